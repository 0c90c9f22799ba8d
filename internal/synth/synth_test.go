package synth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/metalake/metalake/internal/country"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

var start = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

func generate(t *testing.T, o synth.Options) (*storage.Memory, synth.Stats) {
	t.Helper()
	b := storage.NewMemory()
	st, err := synth.Generate(context.Background(), b, o)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", o, err)
	}
	return b, st
}

func object(t *testing.T, b storage.BucketReader, key string) []byte {
	t.Helper()
	r, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data
}

func objects(t *testing.T, b storage.BucketReader) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := b.Iter(context.Background(), "", func(name string) error {
		out[name] = object(t, b, name)
		return nil
	}, storage.WithRecursive())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := synth.Options{Start: start, Days: 1, Users: 10, Seed: 1, DefectRate: 0.01}
	tests := []struct {
		name  string
		edit  func(*synth.Options)
		field string // "" means valid
	}{
		{"valid", func(o *synth.Options) {}, ""},
		{"empty layout is kaggle", func(o *synth.Options) { o.Layout = "" }, ""},
		{"plan", func(o *synth.Options) { o.Layout = synth.LayoutPlan }, ""},
		{"rate 0", func(o *synth.Options) { o.DefectRate = 0 }, ""},
		{"rate 1", func(o *synth.Options) { o.DefectRate = 1 }, ""},
		{"no start", func(o *synth.Options) { o.Start = time.Time{} }, "Start"},
		{"not midnight", func(o *synth.Options) { o.Start = start.Add(time.Hour) }, "Start"},
		{"not UTC", func(o *synth.Options) {
			o.Start = time.Date(2025, 7, 1, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600))
		}, "Start"},
		{"no days", func(o *synth.Options) { o.Days = 0 }, "Days"},
		{"too many days", func(o *synth.Options) { o.Days = synth.MaxDays + 1 }, "Days"},
		{"no users", func(o *synth.Options) { o.Users = 0 }, "Users"},
		{"too many users", func(o *synth.Options) { o.Users = synth.MaxUsers + 1 }, "Users"},
		{"unknown layout", func(o *synth.Options) { o.Layout = "parquet" }, "Layout"},
		{"negative rate", func(o *synth.Options) { o.DefectRate = -0.1 }, "DefectRate"},
		{"rate above 1", func(o *synth.Options) { o.DefectRate = 1.5 }, "DefectRate"},
		{"NaN rate", func(o *synth.Options) { o.DefectRate = math.NaN() }, "DefectRate"},
	}
	for _, tt := range tests {
		o := ok
		tt.edit(&o)
		err := o.Validate()
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		case tt.field != "" && (err == nil || !strings.Contains(err.Error(), tt.field)):
			t.Errorf("%s: Validate() = %v, want an error naming %s", tt.name, err, tt.field)
		}
		if tt.field != "" {
			if _, gerr := synth.Generate(context.Background(), storage.NewMemory(), o); gerr == nil {
				t.Errorf("%s: Generate accepted invalid options", tt.name)
			}
		}
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	competitions := "Id,Slug,Title,Subtitle,HostSegmentTitle,ForumId,OrganizationId,EnabledDate,DeadlineDate,ProhibitNewEntrantsDeadlineDate,TeamMergerDeadlineDate,TeamModelDeadlineDate,ModelSubmissionDeadlineDate,FinalLeaderboardHasBeenVerified,HasKernels,OnlyAllowKernelSubmissions,HasLeaderboard,LeaderboardPercentage,ScoreTruncationNumDecimals,EvaluationAlgorithmAbbreviation,EvaluationAlgorithmName,EvaluationAlgorithmDescription,EvaluationAlgorithmIsMax,MaxDailySubmissions,NumScoredSubmissions,MaxTeamSize,BanTeamMergers,EnableTeamModels,RewardType,RewardQuantity,NumPrizes,UserRankMultiplier,CanQualifyTiers,TotalTeams,TotalCompetitors,TotalSubmissions,ValidationSetName,ValidationSetValue,EnableSubmissionModelHashes,EnableSubmissionModelAttachments,HostName,CompetitionTypeId,LeaderboardDisplayFormat,CompetitionLicenseName,HasScripts,IsPrivate,MaxTeamSizeForMerger,EvaluationSetupId"
	kernels := "Id,AuthorUserId,CurrentKernelVersionId,ForkParentKernelVersionId,ForumTopicId,FirstKernelVersionId,CreationDate,EvaluationDate,MadePublicDate,IsProjectLanguageTemplate,CurrentUrlSlug,Medal,MedalAwardDate,TotalViews,TotalComments,TotalVotes"
	want := map[string]map[string]string{
		synth.LayoutKaggle: {
			"users":            "Id,UserName,DisplayName,RegisterDate,PerformanceTier,Country,LocationSharingOptOut",
			"datasets":         "Id,CreatorUserId,OwnerUserId,OwnerOrganizationId,CurrentDatasetVersionId,CurrentDatasourceVersionId,ForumId,Type,CreationDate,LastActivityDate,TotalViews,TotalDownloads,TotalVotes,TotalKernels,Medal,MedalAwardDate",
			"dataset_versions": "Id,DatasetId,DatasourceVersionId,CreatorUserId,LicenseName,CreationDate,VersionNumber,Title,Slug,Subtitle,Description,VersionNotes,TotalCompressedBytes,TotalUncompressedBytes",
			"tags":             "Id,ParentTagId,Name,Slug,FullPath,Description,DatasetCount,CompetitionCount,KernelCount",
			"dataset_tags":     "Id,DatasetId,TagId",
			"competitions":     competitions,
			"kernels":          kernels,
		},
		synth.LayoutPlan: {
			"users":        "Id,UserName,RegisterDate,Country",
			"datasets":     "Id,Title,Subtitle,CreatorUserId,TotalViews,TotalDownloads,CreationDate,LastUpdatedDate,Type,IsPrivate",
			"tags":         "DatasetId,Tags",
			"competitions": competitions,
			"kernels":      kernels,
		},
	}
	if n := len(strings.Split(competitions, ",")); n != 48 {
		t.Fatalf("competitions header has %d columns, want 48", n)
	}
	for layout, tables := range want {
		o := synth.Options{Start: start, Days: 1, Users: 10, Layout: layout}
		b, _ := generate(t, o)
		files := objects(t, b)
		if got, want := o.Tables(), slices.Sorted(maps.Keys(tables)); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
			t.Errorf("%s: Tables() = %v, want %v", layout, got, want)
		}
		if len(files) != len(tables) {
			t.Errorf("%s: %d files, want %d: %v", layout, len(files), len(tables), slices.Sorted(maps.Keys(files)))
		}
		for table, header := range tables {
			key := "raw/" + table + "/ingestion_date=2025-07-01/" + table + ".csv"
			if key != o.Key(table, 0) {
				t.Errorf("Key(%s, 0) = %s, want %s", table, o.Key(table, 0), key)
			}
			data, ok := files[key]
			if !ok {
				t.Errorf("%s: no %s", layout, key)
				continue
			}
			p := parseCSV(t, key, data)
			if got := strings.Join(p.header, ","); got != header {
				t.Errorf("%s %s header:\n got %s\nwant %s", layout, table, got, header)
			}
			if h, err := o.Header(table); err != nil || strings.Join(h, ",") != header {
				t.Errorf("%s: Header(%s) = %v, %v", layout, table, h, err)
			}
			if len(p.records) < 3 {
				t.Errorf("%s %s: %d rows for 10 users, want a few", layout, table, len(p.records))
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		o := synth.Options{Start: start, Days: 2, Users: 3000, Layout: layout, Seed: 7, DefectRate: 0.02}
		b1, s1 := generate(t, o)
		b2, s2 := generate(t, o)
		f1, f2 := objects(t, b1), objects(t, b2)
		if !maps.EqualFunc(f1, f2, bytes.Equal) {
			t.Errorf("%s: two runs with the same options differ", layout)
		}
		if fmt.Sprint(s1) != fmt.Sprint(s2) {
			t.Errorf("%s: two runs report different stats", layout)
		}
		o.Seed = 8
		b3, _ := generate(t, o)
		f3 := objects(t, b3)
		for _, table := range o.Tables() {
			key := o.Key(table, 1)
			if table != "tags" || layout == synth.LayoutPlan {
				if bytes.Equal(f1[key], f3[key]) {
					t.Errorf("%s: %s is the same with another seed", layout, key)
				}
			}
		}
	}
}

func TestDayIndependence(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		o := synth.Options{Start: start, Days: 3, Users: 2000, Layout: layout, Seed: 3, DefectRate: 0.05}
		all, st := generate(t, o)
		for _, k := range []int{2, 1, 0} {
			// A later Days changes nothing about day k either.
			alone := o
			alone.Days = 40
			b := storage.NewMemory()
			ds, err := synth.GenerateDay(context.Background(), b, alone, k)
			if err != nil {
				t.Fatal(err)
			}
			got := objects(t, b)
			if len(got) != len(o.Tables()) {
				t.Errorf("%s day %d alone: %d files", layout, k, len(got))
			}
			for key, data := range got {
				if !bytes.Equal(data, object(t, all, key)) {
					t.Errorf("%s: %s generated alone differs from the 3-day run", layout, key)
				}
			}
			if fmt.Sprint(ds) != fmt.Sprint(st.Days[k]) {
				t.Errorf("%s day %d: stats alone %v, in the run %v", layout, k, ds, st.Days[k])
			}
		}
	}
	if _, err := synth.GenerateDay(context.Background(), storage.NewMemory(), synth.Options{Start: start, Days: 2, Users: 5}, 2); err == nil {
		t.Error("GenerateDay accepted a day outside Days")
	}
}

// verifyDay re-reads every file of one day, judges every record as bronze would, and checks
// that Stats are exact: rows, bytes, duplicates and every defect kind.
func verifyDay(t *testing.T, o synth.Options, b storage.BucketReader, k int, ds synth.DayStats) map[string]*parsed {
	t.Helper()
	plan := o.Layout == synth.LayoutPlan
	files := map[string]*parsed{}
	raw := map[string][]byte{}
	for _, table := range o.Tables() {
		raw[table] = object(t, b, o.Key(table, k))
		files[table] = parseCSV(t, o.Key(table, k), raw[table])
	}
	ctx := &checkCtx{plan: plan, versionIDs: map[string]string{}, tagIDs: map[string]bool{}, codes: map[string]bool{}}
	for _, e := range country.All() {
		ctx.codes[e.Code] = true
	}
	if !plan {
		v := files["dataset_versions"]
		for _, rec := range v.records {
			ctx.versionIDs[v.get(rec, "Id")] = v.get(rec, "Title")
		}
		tg := files["tags"]
		for _, rec := range tg.records {
			ctx.tagIDs[tg.get(rec, "Id")] = true
		}
	}
	for _, table := range o.Tables() {
		p, st := files[table], ds.Tables[table]
		if st.Key != o.Key(table, k) || st.Table != table {
			t.Errorf("%s: stats name %s %s", table, st.Table, st.Key)
		}
		if int64(len(raw[table])) != st.Bytes {
			t.Errorf("%s day %d: %d bytes, stats say %d", table, k, len(raw[table]), st.Bytes)
		}
		if int64(p.all) != st.Rows {
			t.Errorf("%s day %d: %d records, stats say %d", table, k, p.all, st.Rows)
		}
		check := checkerFor(table, plan)
		got := map[string]int64{}
		var dups, elems, dupElems, empty int64
		for i, rec := range p.records {
			kinds := check(t, p, rec, ctx)
			if len(kinds) > 1 {
				t.Errorf("%s day %d: record %q shows %d defects %v, want at most one", table, k, rec, len(kinds), kinds)
			}
			if p.dupOf[i] {
				dups++
				if len(kinds) > 0 {
					t.Errorf("%s: duplicate of a defective record %q", table, rec)
				}
			}
			for _, kind := range kinds {
				got[kind]++
			}
			if table == "tags" && plan {
				v := p.get(rec, "Tags")
				if tags, ok := planTags(v); ok {
					elems += int64(len(tags))
					if p.dupOf[i] {
						dupElems += int64(len(tags))
					}
					if len(tags) == 0 {
						empty++
					}
				}
			}
		}
		if p.malformed > 0 {
			got[synth.DefectMalformed] = int64(p.malformed)
		}
		if p.truncated > 0 {
			got[synth.DefectTruncated] = int64(p.truncated)
		}
		if !maps.Equal(got, st.Defects) {
			t.Errorf("%s day %d: defects in the file %v, stats say %v", table, k, got, st.Defects)
		}
		if dups != st.Duplicates {
			t.Errorf("%s day %d: %d duplicates in the file, stats say %d", table, k, dups, st.Duplicates)
		}
		if table == "tags" && plan && (elems != st.TagElements || dupElems != st.DuplicateTagElements || empty != st.EmptyTagRows) {
			t.Errorf("tags day %d: elements %d/%d/%d in the file, stats say %d/%d/%d", k, elems, dupElems, empty, st.TagElements, st.DuplicateTagElements, st.EmptyTagRows)
		}
		// Small tables have no room in the defect budget for the truncated record.
		wantTrunc := o.DefectRate > 0 && k%2 == 1 && float64(st.DefectRows()-st.Defects[synth.DefectTruncated]+st.Duplicates+1) <= 2*o.DefectRate*float64(st.Rows)
		if (p.truncated == 1) != wantTrunc {
			t.Errorf("%s day %d: %d truncated records, want one: %v", table, k, p.truncated, wantTrunc)
		}
	}
	return files
}

func TestStatsExact(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		for _, rate := range []float64{0, 0.03} {
			t.Run(fmt.Sprintf("%s/%v", layout, rate), func(t *testing.T) {
				t.Parallel()
				o := synth.Options{Start: start, Days: 2, Users: 20000, Layout: layout, Seed: 11, DefectRate: rate}
				b, st := generate(t, o)
				if len(st.Days) != 2 || !st.Days[1].Date.Equal(start.AddDate(0, 0, 1)) {
					t.Fatalf("stats days %v", st.Days)
				}
				for k := range st.Days {
					verifyDay(t, o, b, k, st.Days[k])
					if rate == 0 {
						for table, ts := range st.Days[k].Tables {
							if len(ts.Defects) > 0 || ts.Duplicates > 0 {
								t.Errorf("%s: defects %v and %d duplicates at rate 0", table, ts.Defects, ts.Duplicates)
							}
						}
					}
				}
			})
		}
	}
}

// TestEveryKind uses a high rate so that every kind of every table shows up, and checks that
// even then each record carries at most one, unambiguous, defect.
func TestEveryKind(t *testing.T) {
	t.Parallel()
	want := map[string]map[string][]string{
		synth.LayoutKaggle: {
			"users":            {"null_id", "empty_name", "null_name", "bad_date", "unmapped_country", "malformed"},
			"datasets":         {"null_id", "negative_views", "negative_downloads", "updated_before_created", "non_numeric", "null_owner", "missing_version", "malformed"},
			"dataset_versions": {"malformed"},
			"tags":             {"malformed"},
			"dataset_tags":     {"missing_tag", "malformed"},
			"competitions":     {"null_id", "negative_teams", "malformed"},
			"kernels":          {"null_id", "negative_views", "malformed"},
		},
		synth.LayoutPlan: {
			"users":        {"null_id", "empty_name", "null_name", "bad_date", "bad_country", "malformed"},
			"datasets":     {"null_id", "negative_views", "negative_downloads", "updated_before_created", "non_numeric", "null_owner", "empty_title", "malformed"},
			"tags":         {"bad_json", "long_tag", "malformed"},
			"competitions": {"null_id", "negative_teams", "malformed"},
			"kernels":      {"null_id", "negative_views", "malformed"},
		},
	}
	for layout, tables := range want {
		t.Run(layout, func(t *testing.T) {
			t.Parallel()
			o := synth.Options{Start: start, Days: 2, Users: 100_000, Layout: layout, Seed: 5, DefectRate: 0.5}
			b, st := generate(t, o)
			seen := map[string]map[string]int64{}
			for k := range st.Days {
				verifyDay(t, o, b, k, st.Days[k])
				for table, ts := range st.Days[k].Tables {
					if seen[table] == nil {
						seen[table] = map[string]int64{}
					}
					for kind, n := range ts.Defects {
						seen[table][kind] += n
					}
					if ts.Duplicates == 0 {
						t.Errorf("%s day %d: no duplicates at rate 0.5", table, k)
					}
				}
			}
			for table, kinds := range tables {
				for _, kind := range append(kinds, synth.DefectTruncated) {
					if seen[table][kind] == 0 {
						t.Errorf("%s: kind %s never injected (%v)", table, kind, seen[table])
					}
				}
				if len(seen[table]) != len(kinds)+1 {
					t.Errorf("%s: kinds %v, want %v + truncated", table, seen[table], kinds)
				}
			}
		})
	}
}

func TestDefectRate(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		o := synth.Options{Start: start, Days: 1, Users: 100_000, Layout: layout, Seed: 9, DefectRate: 0.01}
		_, st := generate(t, o)
		for _, table := range []string{"users", "datasets", "kernels"} {
			ts := st.Days[0].Tables[table]
			entities := ts.Rows - ts.Duplicates // each duplicate adds one record
			rate := float64(ts.DefectRows()+ts.Duplicates) / float64(entities)
			// 100k users → ±4σ is about ±13 % of the rate; smaller tables get more room.
			tol := 4 * math.Sqrt(0.01/float64(entities)) / 0.01
			if math.Abs(rate-0.01)/0.01 > tol {
				t.Errorf("%s %s: defect rate %.4f over %d rows, want 0.01 ± %.0f %%", layout, table, rate, entities, 100*tol)
			}
		}
	}
}

func TestSizes(t *testing.T) {
	t.Parallel()
	const n = 50_000
	o := synth.Options{Start: start, Days: 2, Users: n, Seed: 1}
	_, st := generate(t, o)
	rows := func(k int, table string) int64 { return st.Days[k].Tables[table].Rows }
	exact := map[string]int64{"users": n, "datasets": n * 2 / 100, "tags": 830, "competitions": n * 4 / 10000, "kernels": n * 6 / 100}
	for table, want := range exact {
		if got := rows(0, table); got != want {
			t.Errorf("day 0 %s: %d rows, want %d", table, got, want)
		}
	}
	if got := rows(1, "users"); got != n+n/1000 {
		t.Errorf("day 1 users: %d rows, want %d (0.1 %% growth)", got, n+n/1000)
	}
	if rows(1, "datasets") <= rows(0, "datasets") || rows(1, "kernels") <= rows(0, "kernels") {
		t.Error("datasets or kernels did not grow")
	}
	ratios := []struct {
		table  string
		lo, hi float64
	}{
		{"dataset_versions", 2.3, 2.9}, // 2.6 versions per dataset
		{"dataset_tags", 0.75, 0.97},   // 0.86 links per dataset
	}
	for _, r := range ratios {
		got := float64(rows(0, r.table)) / float64(rows(0, "datasets"))
		if got < r.lo || got > r.hi {
			t.Errorf("%s per dataset = %.2f, want %v..%v", r.table, got, r.lo, r.hi)
		}
	}
	tiny := synth.Options{Start: start, Days: 1, Users: 1, Layout: synth.LayoutPlan}
	_, st = generate(t, tiny)
	for table, ts := range st.Days[0].Tables {
		if ts.Rows < 1 {
			t.Errorf("1 user: %s is empty", table)
		}
	}
}

// TestRealistic checks the value distributions the brief and the real files call for.
func TestRealistic(t *testing.T) {
	t.Parallel()
	o := synth.Options{Start: start, Days: 1, Users: 50_000, Seed: 2}
	b, _ := generate(t, o)
	users := parseCSV(t, "users", object(t, b, o.Key("users", 0)))
	var withCountry, tier1, vietnamese, han, cyrillic, comma, quote int
	for _, rec := range users.records {
		if users.get(rec, "Country") != "" {
			withCountry++
		}
		if users.get(rec, "PerformanceTier") == "1" {
			tier1++
		}
		dn := users.get(rec, "DisplayName")
		if strings.ContainsAny(dn, "ễăơưđĐạảấầẩẫậắằẳẵặẹẻẽếềểệỉịọỏốồổỗộớờởỡợụủứừửữựỳỷỹ") {
			vietnamese++
		}
		if strings.IndexFunc(dn, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
			han++
		}
		if strings.IndexFunc(dn, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0 {
			cyrillic++
		}
		if strings.Contains(dn, ",") {
			comma++
		}
		if strings.Contains(dn, `"`) {
			quote++
		}
	}
	total := float64(len(users.records))
	if f := float64(withCountry) / total; f < 0.04 || f > 0.06 {
		t.Errorf("users with a country: %.3f, want about 0.05", f)
	}
	if f := float64(tier1) / total; f < 0.85 {
		t.Errorf("tier 1 share %.3f, want most users", f)
	}
	for what, n := range map[string]int{"Vietnamese": vietnamese, "Chinese": han, "Cyrillic": cyrillic, "comma": comma, "quote": quote} {
		if n == 0 {
			t.Errorf("no display name with %s", what)
		}
	}

	versions := parseCSV(t, "dataset_versions", object(t, b, o.Key("dataset_versions", 0)))
	var multiDesc, multiSub int
	latest := map[string]string{} // dataset → Id of its highest version
	for _, rec := range versions.records {
		if strings.Contains(versions.get(rec, "Description"), "\n") {
			multiDesc++
		}
		if strings.Contains(versions.get(rec, "Subtitle"), "\n") {
			multiSub++
		}
		latest[versions.get(rec, "DatasetId")] = versions.get(rec, "Id")
	}
	if multiDesc == 0 || multiSub == 0 {
		t.Errorf("multi-line descriptions %d, subtitles %d: want some of both", multiDesc, multiSub)
	}
	datasets := parseCSV(t, "datasets", object(t, b, o.Key("datasets", 0)))
	var noOwner int
	for _, rec := range datasets.records {
		id := datasets.get(rec, "Id")
		if got := datasets.get(rec, "CurrentDatasetVersionId"); got != latest[id] {
			t.Errorf("dataset %s: CurrentDatasetVersionId %s, latest version %s", id, got, latest[id])
		}
		if datasets.get(rec, "OwnerUserId") == "" {
			noOwner++
		}
	}
	if noOwner == 0 || noOwner == len(datasets.records) {
		t.Errorf("%d of %d datasets without OwnerUserId: want some", noOwner, len(datasets.records))
	}

	// Competitions need more rows: write that table alone for 2.5 M users (1,000 rows).
	var buf bytes.Buffer
	big := synth.Options{Start: start, Days: 1, Users: 2_500_000, Seed: 2}
	if _, err := synth.WriteTable(context.Background(), &buf, big, 0, "competitions"); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(`"Id","Slug","Title",`)) {
		t.Error("Competitions.csv header is not quoted like the real file")
	}
	if first := strings.SplitN(buf.String(), "\n", 3)[1]; !strings.HasPrefix(first, `"`) || strings.Count(first, `"`) < 2*48 {
		t.Errorf("competitions: first record %q does not quote every field", first)
	}
	comps := parseCSV(t, "competitions", buf.Bytes())
	segments := map[string]bool{}
	var inverted, sentinel, tiny, multiEval int
	rewards := map[string]bool{}
	for _, rec := range comps.records {
		segments[comps.get(rec, "HostSegmentTitle")] = true
		rewards[comps.get(rec, "RewardType")] = true
		en, _ := parseTime(comps.get(rec, "EnabledDate"), false, false)
		dl, _ := parseTime(comps.get(rec, "DeadlineDate"), false, false)
		if dl.Before(en) {
			inverted++
		}
		if comps.get(rec, "MaxTeamSize") == "2147483647" {
			sentinel++
		}
		if comps.get(rec, "UserRankMultiplier") == "1E-16" {
			tiny++
		}
		if strings.Contains(comps.get(rec, "EvaluationAlgorithmDescription"), "\n") {
			multiEval++
		}
	}
	if f := float64(inverted) / float64(len(comps.records)); f < 0.015 || f > 0.05 {
		t.Errorf("competitions with DeadlineDate before EnabledDate: %.3f, want about 0.03", f)
	}
	if sentinel == 0 || tiny == 0 || multiEval == 0 {
		t.Errorf("MaxTeamSize sentinels %d, 1E-16 multipliers %d, multi-line metric descriptions %d: want some of each", sentinel, tiny, multiEval)
	}
	for _, s := range []string{"Featured", "Research", "Playground", "Getting Started", "InClass", "Community", "Recruitment", "Analytics"} {
		if !segments[s] {
			t.Errorf("no %s competition in %v", s, segments)
		}
	}
	for _, r := range []string{"USD", "Knowledge", "Swag", "Kudos", "EUR", ""} {
		if !rewards[r] {
			t.Errorf("no RewardType %q in %v", r, rewards)
		}
	}
}

func TestFileFormat(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		o := synth.Options{Start: start, Days: 2, Users: 5000, Layout: layout, Seed: 4, DefectRate: 0.05}
		b, _ := generate(t, o)
		for key, data := range objects(t, b) {
			if !utf8.Valid(data) {
				t.Errorf("%s is not valid UTF-8", key)
			}
			if bytes.Contains(data, []byte("\r")) {
				t.Errorf("%s contains a carriage return", key)
			}
		}
	}
}

func TestEvolution(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		t.Run(layout, func(t *testing.T) {
			t.Parallel()
			const n = 50_000
			o := synth.Options{Start: start, Days: 2, Users: n, Layout: layout, Seed: 6}
			b, _ := generate(t, o)
			read := func(table string, k int) *parsed {
				return parseCSV(t, table, object(t, b, o.Key(table, k)))
			}
			byID := func(p *parsed, key string) map[string][]string {
				m := map[string][]string{}
				for _, rec := range p.records {
					m[p.get(rec, key)] = rec
				}
				return m
			}
			u0, u1 := read("users", 0), read("users", 1)
			if len(u1.records) != n+n/1000 {
				t.Errorf("day 1: %d users, want %d", len(u1.records), n+n/1000)
			}
			m0 := byID(u0, "Id")
			var renamed, moved int
			for _, rec := range u1.records[:n] {
				old, ok := m0[u1.get(rec, "Id")]
				if !ok {
					t.Fatalf("user %s of day 1 missing on day 0", u1.get(rec, "Id"))
				}
				if u1.get(rec, "UserName") != u0.get(old, "UserName") {
					renamed++
				}
				if u1.get(rec, "Country") != u0.get(old, "Country") {
					moved++
				}
				if u1.get(rec, "RegisterDate") != u0.get(old, "RegisterDate") {
					t.Errorf("user %s: RegisterDate changed", u1.get(rec, "Id"))
				}
			}
			if f := float64(renamed) / n; f < 0.003 || f > 0.007 {
				t.Errorf("%d users renamed between day 0 and 1 (%.4f), want about 0.5 %%", renamed, f)
			}
			if layout == synth.LayoutPlan && moved == 0 {
				t.Error("no user changed country")
			}
			for _, rec := range u1.records[n:] {
				reg, _ := parseTime(u1.get(rec, "RegisterDate"), layout == synth.LayoutPlan, layout == synth.LayoutKaggle)
				if !reg.Truncate(24 * time.Hour).Equal(start) {
					t.Errorf("new user %s registered %v, want on %v (between the snapshots)", u1.get(rec, "Id"), reg, start)
				}
			}

			d0, d1 := read("datasets", 0), read("datasets", 1)
			dm0 := byID(d0, "Id")
			updCol := "LastActivityDate"
			if layout == synth.LayoutPlan {
				updCol = "LastUpdatedDate"
			}
			var updated int
			for _, rec := range d1.records {
				old, ok := dm0[d1.get(rec, "Id")]
				if !ok {
					continue
				}
				for _, col := range []string{"TotalViews", "TotalDownloads"} {
					if a, b := d0.get(old, col), d1.get(rec, col); a != "" && b != "" && atoi(b) < atoi(a) {
						t.Errorf("dataset %s: %s went down from %s to %s", d1.get(rec, "Id"), col, a, b)
					}
				}
				a, _ := parseTime(d0.get(old, updCol), layout == synth.LayoutPlan, layout == synth.LayoutKaggle)
				c, _ := parseTime(d1.get(rec, updCol), layout == synth.LayoutPlan, layout == synth.LayoutKaggle)
				if c.Before(a) {
					t.Errorf("dataset %s: %s went back", d1.get(rec, "Id"), updCol)
				}
				if c.After(a) {
					updated++
					if !c.Truncate(24 * time.Hour).Equal(start) {
						t.Errorf("dataset %s updated on %v, want %v", d1.get(rec, "Id"), c, start)
					}
				}
			}
			if f := float64(updated) / float64(len(d0.records)); f < 0.004 || f > 0.02 {
				t.Errorf("%d datasets updated (%.4f), want about 1 %%", updated, f)
			}
			if layout == synth.LayoutKaggle {
				for _, table := range []string{"dataset_versions", "dataset_tags"} {
					if a, b := len(read(table, 0).records), len(read(table, 1).records); b <= a {
						t.Errorf("%s: %d rows on day 0, %d on day 1: want growth", table, a, b)
					}
				}
			}
			k0, k1 := read("kernels", 0), read("kernels", 1)
			km0 := byID(k0, "Id")
			for _, rec := range k1.records {
				if old, ok := km0[k1.get(rec, "Id")]; ok && atoi(k1.get(rec, "TotalViews")) < atoi(k0.get(old, "TotalViews")) {
					t.Errorf("kernel %s: views went down", k1.get(rec, "Id"))
				}
			}
		})
	}
}

// failingBucket wraps a Memory bucket with a broken Upload.
type failingBucket struct {
	*storage.Memory
	upload func(ctx context.Context, name string, r io.Reader) error
}

func (f failingBucket) Upload(ctx context.Context, name string, r io.Reader) error {
	return f.upload(ctx, name, r)
}

func TestUploadFailures(t *testing.T) {
	t.Parallel()
	o := synth.Options{Start: start, Days: 2, Users: 50_000, Seed: 1}
	boom := errors.New("boom")
	tests := []struct {
		name   string
		upload func(context.Context, string, io.Reader) error
		want   error
	}{
		{"upload fails", func(ctx context.Context, name string, r io.Reader) error {
			if strings.Contains(name, "users") {
				io.CopyN(io.Discard, r, 100)
				return boom
			}
			_, err := io.Copy(io.Discard, r)
			return err
		}, boom},
		{"upload returns early", func(ctx context.Context, name string, r io.Reader) error {
			io.CopyN(io.Discard, r, 10)
			return nil
		}, nil},
	}
	for _, tt := range tests {
		b := failingBucket{Memory: storage.NewMemory(), upload: tt.upload}
		_, err := synth.Generate(context.Background(), b, o)
		if err == nil {
			t.Errorf("%s: Generate succeeded", tt.name)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
		if !strings.HasPrefix(err.Error(), "synth ") || !strings.Contains(err.Error(), "2025-07-0") {
			t.Errorf("%s: error %q does not name the table and date", tt.name, err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := storage.NewMemory()
	if _, err := synth.Generate(ctx, b, o); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error %v, want context.Canceled", err)
	}
	if n := len(objects(t, b)); n != 0 {
		t.Errorf("cancelled: %d objects written", n)
	}
}

func TestLocalBucket(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	o := synth.Options{Start: start, Days: 1, Users: 100, Layout: synth.LayoutPlan, Seed: 1, DefectRate: 0.01}
	st, err := synth.Generate(context.Background(), b, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range o.Tables() {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(o.Key(table, 0))))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != st.Days[0].Tables[table].Bytes {
			t.Errorf("%s: %d bytes on disk, stats say %d", table, fi.Size(), st.Days[0].Tables[table].Bytes)
		}
	}
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	o := synth.Options{Start: start, Days: 3, Users: 500, Seed: 1, DefectRate: 0.02}
	b, st := generate(t, o)
	for _, table := range o.Tables() {
		var buf bytes.Buffer
		ts, err := synth.WriteTable(context.Background(), &buf, o, 1, table)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), object(t, b, o.Key(table, 1))) || fmt.Sprint(ts) != fmt.Sprint(st.Days[1].Tables[table]) {
			t.Errorf("WriteTable(%s) differs from Generate", table)
		}
	}
	if _, err := synth.WriteTable(context.Background(), io.Discard, o, 0, "dataset_versions_x"); err == nil {
		t.Error("WriteTable accepted an unknown table")
	}
	plan := o
	plan.Layout = synth.LayoutPlan
	if _, err := synth.WriteTable(context.Background(), io.Discard, plan, 0, "dataset_tags"); err == nil {
		t.Error("WriteTable wrote dataset_tags in the plan layout")
	}
}

func TestStatsHelpers(t *testing.T) {
	t.Parallel()
	o := synth.Options{Start: start, Days: 2, Users: 3000, Seed: 1, DefectRate: 0.05}
	_, st := generate(t, o)
	ts, ok := st.Table(1, "users")
	if !ok || ts.Key != o.Key("users", 1) {
		t.Fatalf("Table(1, users) = %+v, %v", ts, ok)
	}
	var sum int64
	for _, n := range ts.Defects {
		sum += n
	}
	if ts.DefectRows() != sum || sum == 0 {
		t.Errorf("DefectRows() = %d, want %d > 0", ts.DefectRows(), sum)
	}
	if _, ok := st.Table(2, "users"); ok {
		t.Error("Table(2, …) found a day outside the run")
	}
	if _, ok := st.Table(0, "nope"); ok {
		t.Error("Table(0, nope) found a table")
	}
	if synth.IsReject(synth.DefectUnmappedCountry) || !synth.IsReject(synth.DefectMalformed) || !synth.IsReject(synth.DefectNullID) {
		t.Error("IsReject: only unmapped_country is not a reject")
	}
}
