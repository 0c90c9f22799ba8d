package bronze_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/engine/spark/sparktest"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
	"github.com/metalake/metalake/internal/testserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testserver.StopSharedSpark()
	os.Exit(code)
}

// twinLakes is one raw lake read by bronze on DuckDB and on Spark, each publishing into its
// own copy.
type twinLakes struct {
	duck, spark *bronze.Job
	reader      engine.Engine // reads both lakes' outputs (DuckDB)
}

func newTwinLakes(t *testing.T, sparkEng engine.Engine, raw func(b storage.Bucket)) *twinLakes {
	t.Helper()
	duckEng, err := engine.Open(t.Context(), engine.Options{Threads: 1, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duckEng.Close() })
	set, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	job := func(eng engine.Engine) *bronze.Job {
		b, err := storage.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		raw(b)
		return &bronze.Job{Lake: lake.New(b), Engine: eng, Contracts: set, Now: func() time.Time { return now }}
	}
	return &twinLakes{duck: job(duckEng), spark: job(sparkEng), reader: duckEng}
}

// TestBronzeOnSpark runs bronze for every table of generated lakes (both raw layouts, two
// days — the generator truncates records on odd days only — with defects: malformed and
// truncated records among them) on DuckDB and on Spark, and requires the same reports, the
// same published rows and the same rejects, row for row.
func TestBronzeOnSpark(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		t.Run(layout, func(t *testing.T) {
			// The layouts share nothing but the server: each its own engine, lakes and
			// DuckDB, so they run side by side (the server's latency overlaps).
			t.Parallel()
			sparkEng := sparktest.Open(t)
			var stats synth.Stats
			tw := newTwinLakes(t, sparkEng, func(b storage.Bucket) {
				st, err := synth.Generate(t.Context(), b, synth.Options{Start: start, Days: 2, Users: 3000, Layout: layout, Seed: 11, DefectRate: 0.02})
				if err != nil {
					t.Fatal(err)
				}
				stats = st
			})
			broken := map[string]int64{}
			for day := range 2 {
				d := lake.DateOf(start.AddDate(0, 0, day))
				for _, table := range []string{"users", "datasets", "tags", "competitions", "kernels"} {
					tw.compare(t, table, d)
				}
				for _, st := range stats.Days[day].Tables {
					for _, kind := range []string{synth.DefectMalformed, synth.DefectTruncated} {
						broken[kind] += st.Defects[kind]
					}
				}
			}
			if broken[synth.DefectMalformed] == 0 || broken[synth.DefectTruncated] == 0 {
				t.Errorf("the generated lake has %v broken records: without both kinds the comparison proves less than it should", broken)
			}
		})
	}
}

// TestBronzeOnSparkEdgeCases compares the engines on a hand-written users file: empty and
// quoted-empty fields (NULL in both), blanks, a quoted field spanning lines, "" inside quotes,
// a backslash, text around values, records with a field too many and too few, and an
// unterminated quote at the end; and on a competitions file without records.
func TestBronzeOnSparkEdgeCases(t *testing.T) {
	t.Parallel()
	sparkEng := sparktest.Open(t)
	d := lake.DateOf(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	body := strings.Join([]string{
		"Id,UserName,DisplayName,RegisterDate,PerformanceTier,Country",
		`1,alice,Alice,07/01/2025,1,France`,
		`2,,"",07/01/2025,1,`,                                // empty and quoted empty: NULL
		`3," ","   ", 07/01/2025 ,+2,Việt Nam`,               // blanks, text around a date, a sign
		"4,bob,\"Bob\nSmith\",07/01/2025 10:11:12,0,Germany", // a field over two lines
		`5,"o""neil",O'Neil,7/1/2025,007,Spain`,
		`6,back\slash,x,07/01/2025,1,Italy`,
		`7,carol,Carol,07/01/2025,1,Italy,extra`, // a field too many
		`8,dave,Dave,07/01/2025`,                 // too few
		`9,erin,Erin,13/45/2025,x,Atlantis`,      // bad date, bad integer, unmapped country
		`10,frank,Frank,07/01/2025,1,"Korea, Republic of"`,
		`1,alice2,Alice,07/01/2025,1,France`, // a duplicate id (not deduplicated: users keeps both)
	}, "\n")
	// Enough clean records that the rejects stay under the breaker's 10 %: the valid rows are
	// compared too.
	for i := 100; i < 200; i++ {
		body += fmt.Sprintf("\n%d,user%d,User %d,07/01/2025 00:00:%02d,%d,Norway", i, i, i, i%60, i%5)
	}
	body += "\n" + `11,"gina,Gina,07/01/2025,1,France` // unterminated: runs to the end of the file
	// And a file with a header and no record.
	competitions := "Id,Slug,Title,HostSegmentTitle,EnabledDate,DeadlineDate,RewardType,RewardQuantity,NumPrizes,TotalTeams,TotalCompetitors,TotalSubmissions\n"
	tw := newTwinLakes(t, sparkEng, func(b storage.Bucket) {
		for table, body := range map[string]string{"users": body, "competitions": competitions} {
			if err := storage.PutBytes(context.Background(), b, lake.RawKey(table, d), []byte(body)); err != nil {
				t.Fatal(err)
			}
		}
	})
	tw.compare(t, "users", d)
	tw.compare(t, "competitions", d)
}

// compare runs bronze for table and d on both engines and compares reports and outputs.
func (tw *twinLakes) compare(t *testing.T, table string, d lake.Date) {
	t.Helper()
	name := fmt.Sprintf("%s %s", table, d)
	ctx := t.Context()
	want, errD := tw.duck.Run(ctx, table, d)
	got, errS := tw.spark.Run(ctx, table, d)
	var te *bronze.RejectThresholdError
	switch {
	case errD != nil && !errors.As(errD, &te):
		t.Fatalf("%s on DuckDB: %v", name, errD)
	case errS != nil && !errors.As(errS, &te):
		t.Fatalf("%s on Spark: %v", name, errS)
	case (errD == nil) != (errS == nil):
		t.Fatalf("%s: DuckDB returned %v, Spark %v", name, errD, errS)
	}
	if w, g := reportFacts(want), reportFacts(got); w != g {
		t.Errorf("%s: reports differ\nDuckDB: %s\nSpark:  %s", name, w, g)
	}
	dirs := []string{lake.RejectsDir(table, d)}
	if errD == nil {
		dirs = append(dirs, lake.PartitionDir(lake.Bronze, table, d))
	}
	for _, lk := range want.Lookups {
		dirs = append(dirs, lk.RejectsDir)
	}
	for _, dir := range dirs {
		wantCols, wantRows := tw.published(t, tw.duck.Lake, dir)
		gotCols, gotRows := tw.published(t, tw.spark.Lake, dir)
		if wantCols != gotCols {
			t.Errorf("%s: %s columns differ\nDuckDB: %s\nSpark:  %s", name, dir, wantCols, gotCols)
			continue
		}
		if onlyD, onlyS := diffRows(wantRows, gotRows); len(onlyD)+len(onlyS) > 0 {
			t.Errorf("%s: %s: %d rows on DuckDB, %d on Spark; first rows only DuckDB wrote:\n  %s\nfirst rows only Spark wrote:\n  %s",
				name, dir, len(wantRows), len(gotRows), strings.Join(first(onlyD, 5), "\n  "), strings.Join(first(onlyS, 5), "\n  "))
		}
	}
}

// reportFacts is what the engines must agree on in a report: everything but the timings,
// as JSON (metric values compare as JSON numbers, whatever Go type the engine gave them).
func reportFacts(r *bronze.Report) string {
	m := r.JSON()
	delete(m, "processing_time")
	delete(m, "duration_s")
	b, err := json.Marshal(m)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// published reads the committed partition dir of lk: its columns with their types, and its
// rows as text (order aside, ingest_ts aside), sorted.
func (tw *twinLakes) published(t *testing.T, lk *lake.Lake, dir string) (string, []string) {
	t.Helper()
	ctx := t.Context()
	m, ok, err := lk.ReadManifest(ctx, dir)
	if err != nil || !ok {
		t.Fatalf("partition %s not committed (err %v)", dir, err)
	}
	var keys []string
	for _, f := range m.Files {
		keys = append(keys, dir+f.Name)
	}
	if len(keys) == 0 {
		return "(no files)", nil
	}
	s, err := tw.reader.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	refs, err := engine.Inputs(ctx, tw.reader, lk.B, keys, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rel := tw.reader.Dialect().ReadParquet(refs)
	cols, err := s.Describe(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	var names, sel []string
	for _, c := range cols {
		if c.Name == "ingest_ts" {
			continue
		}
		names = append(names, c.Name+" "+c.Type)
		sel = append(sel, engine.Ident(c.Name))
	}
	var rows []string
	err = s.Each(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+rel, func(row []any) error {
		parts := make([]string, len(row))
		for i, v := range row {
			parts[i] = fmt.Sprintf("%q", fmt.Sprint(v))
			if v == nil {
				parts[i] = "NULL"
			}
		}
		rows = append(rows, strings.Join(parts, ","))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rows)
	if int64(len(rows)) != m.Rows {
		t.Errorf("%s: %d rows in the files, the manifest says %d", dir, len(rows), m.Rows)
	}
	return strings.Join(names, ", "), rows
}

// diffRows returns the rows of a not in b and of b not in a (both sorted; multisets).
func diffRows(a, b []string) (onlyA, onlyB []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || i < len(a) && a[i] < b[j]:
			onlyA = append(onlyA, a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("… and %d more", len(xs)-n))
	}
	return xs
}

// TestSparkRefusesUntranslatableFormats: a contract format Spark cannot parse as DuckDB does
// fails the table before the file is read, naming the format; DuckDB runs it.
func TestSparkRefusesUntranslatableFormats(t *testing.T) {
	t.Parallel()
	sparkEng := sparktest.Open(t)
	set, err := contract.Load(fstest.MapFS{"events.yaml": {Data: []byte(`table: events
order: 1
reject_threshold: 0.5
variants:
  - layout: plain
    source:
      raw: events
      columns:
        - {header: Id, name: event_id, type: varchar}
        - {header: At, name: at_ts, type: timestamp, formats: ["%b %d %Y"]}
rules:
  - {reason: "event_id is null", when: "event_id IS NULL"}
`)}})
	if err != nil {
		t.Fatal(err)
	}
	d := lake.DateOf(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	tw := newTwinLakes(t, sparkEng, func(b storage.Bucket) {
		if err := storage.PutBytes(context.Background(), b, lake.RawKey("events", d), []byte("Id,At\n1,Jul 01 2025\n")); err != nil {
			t.Fatal(err)
		}
	})
	tw.duck.Contracts, tw.spark.Contracts = set, set
	if rep, err := tw.duck.Run(t.Context(), "events", d); err != nil || rep.OutputCount != 1 {
		t.Fatalf("DuckDB: %v, %+v; want the one record parsed", err, rep)
	}
	_, err = tw.spark.Run(t.Context(), "events", d)
	var ce *bronze.ContractError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `"%b %d %Y"`) || !strings.Contains(err.Error(), "At") {
		t.Errorf("Spark: %v; want a contract error naming the column and the format", err)
	}
}
