package synth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/metalake/metalake/internal/storage"
)

// tableDef is one raw table of a layout: its header, quoting and time format (the plan
// layout keeps Kaggle's files for competitions and kernels), the defect kinds it may carry
// (kindDuplicate included) and the function that writes its rows.
type tableDef struct {
	name    string
	header  []string
	quoting quoting
	times   timeFormat
	kinds   []string
	write   func(d *day, t *tableWriter) error
}

var (
	kaggleTables = []tableDef{
		{"users", kaggleUsersHeader, quoteText, timeKaggle, []string{DefectNullID, DefectEmptyName, DefectNullName, DefectBadDate, DefectUnmappedCountry, DefectMalformed, kindDuplicate}, (*day).writeUsers},
		{"datasets", kaggleDatasetsHeader, quoteText, timeKaggle, []string{DefectNullID, DefectNegativeViews, DefectNegativeDownloads, DefectUpdatedBeforeCreated, DefectNonNumeric, DefectNullOwner, DefectMissingVersion, DefectMalformed, kindDuplicate}, (*day).writeKaggleDatasets},
		{"dataset_versions", datasetVersionsHeader, quoteText, timeKaggle, []string{DefectMalformed, kindDuplicate}, (*day).writeDatasetVersions},
		{"tags", tagsHeader, quoteText, timeKaggle, []string{DefectMalformed, kindDuplicate}, (*day).writeTags},
		{"dataset_tags", datasetTagsHeader, quoteText, timeKaggle, []string{DefectMissingTag, DefectMalformed, kindDuplicate}, (*day).writeDatasetTags},
		{"competitions", competitionsHeader, quoteAll, timeKaggle, []string{DefectNullID, DefectNegativeTeams, DefectMalformed, kindDuplicate}, (*day).writeCompetitions},
		{"kernels", kernelsHeader, quoteText, timeKaggle, []string{DefectNullID, DefectNegativeViews, DefectMalformed, kindDuplicate}, (*day).writeKernels},
	}
	planTables = []tableDef{
		{"users", planUsersHeader, quoteMinimal, timePlan, []string{DefectNullID, DefectEmptyName, DefectNullName, DefectBadDate, DefectBadCountry, DefectMalformed, kindDuplicate}, (*day).writeUsers},
		{"datasets", planDatasetsHeader, quoteMinimal, timePlan, []string{DefectNullID, DefectNegativeViews, DefectNegativeDownloads, DefectUpdatedBeforeCreated, DefectNonNumeric, DefectNullOwner, DefectEmptyTitle, DefectMalformed, kindDuplicate}, (*day).writePlanDatasets},
		{"tags", planTagsHeader, quoteMinimal, timePlan, []string{DefectBadJSON, DefectLongTag, DefectMalformed, kindDuplicate}, (*day).writePlanTags},
		{"competitions", competitionsHeader, quoteAll, timeKaggle, []string{DefectNullID, DefectNegativeTeams, DefectMalformed, kindDuplicate}, (*day).writeCompetitions},
		{"kernels", kernelsHeader, quoteText, timeKaggle, []string{DefectNullID, DefectNegativeViews, DefectMalformed, kindDuplicate}, (*day).writeKernels},
	}
)

func (o Options) defs() []tableDef {
	if o.layout() == LayoutPlan {
		return planTables
	}
	return kaggleTables
}

func (o Options) def(table string) (*tableDef, error) {
	defs := o.defs()
	for i := range defs {
		if defs[i].name == table {
			return &defs[i], nil
		}
	}
	return nil, fmt.Errorf("synth: no table %q in the %s layout: use one of %v", table, o.layout(), o.Tables())
}

// Header returns the header of table in o's layout.
func (o Options) Header(table string) ([]string, error) {
	def, err := o.def(table)
	if err != nil {
		return nil, err
	}
	return append([]string(nil), def.header...), nil
}

// Generate writes every table of every day into b (raw/{table}/ingestion_date=D/{table}.csv)
// and reports what it wrote. Each file is streamed into one atomic Upload, so a failed or
// cancelled run leaves no partial object. Tables are generated concurrently, up to
// GOMAXPROCS at a time.
func Generate(ctx context.Context, b storage.Bucket, o Options) (Stats, error) {
	if err := o.Validate(); err != nil {
		return Stats{}, err
	}
	w := newWorld(o, o.Days-1)
	days := make([]int, o.Days)
	for k := range days {
		days[k] = k
	}
	ds, err := generate(ctx, b, w, days)
	return Stats{Days: ds}, err
}

// GenerateDay writes the tables of one day (0 <= day < o.Days) alone. The files are
// byte-identical to those Generate writes for that day: a day's snapshot is a pure function
// of (Options, day), so days can be regenerated, backfilled or produced in any order.
func GenerateDay(ctx context.Context, b storage.Bucket, o Options, day int) (DayStats, error) {
	if err := o.Validate(); err != nil {
		return DayStats{}, err
	}
	if day < 0 || day >= o.Days {
		return DayStats{}, fmt.Errorf("synth: day %d is outside the %d days of Options: give 0 <= day < Days", day, o.Days)
	}
	ds, err := generate(ctx, b, newWorld(o, day), []int{day})
	if err != nil {
		return DayStats{}, err
	}
	return ds[0], nil
}

// WriteTable streams one table of one day (0-based) to out, without a bucket: for piping,
// and for measuring the generator alone.
func WriteTable(ctx context.Context, out io.Writer, o Options, day int, table string) (TableStats, error) {
	if err := o.Validate(); err != nil {
		return TableStats{}, err
	}
	if day < 0 || day >= o.Days {
		return TableStats{}, fmt.Errorf("synth: day %d is outside the %d days of Options: give 0 <= day < Days", day, o.Days)
	}
	def, err := o.def(table)
	if err != nil {
		return TableStats{}, err
	}
	d := newWorld(o, day).day(day)
	bw := bufio.NewWriterSize(out, 1<<20)
	st, err := writeTable(ctx, bw, d, def)
	if err != nil {
		return st, fmt.Errorf("synth %s %s: %w", table, d.date.Format(time.DateOnly), err)
	}
	return st, nil
}

func writeTable(ctx context.Context, bw *bufio.Writer, d *day, def *tableDef) (TableStats, error) {
	t := newTableWriter(ctx, bw, d, def)
	t.header(def.header)
	if err := def.write(d, t); err != nil {
		return t.st, err
	}
	if err := t.finish(d); err != nil {
		return t.st, err
	}
	return t.st, nil
}

type job struct {
	d   *day
	def *tableDef
	idx int // position of d in the result
}

func generate(ctx context.Context, b storage.Bucket, w *world, days []int) ([]DayStats, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([]DayStats, len(days))
	var jobs []job
	for i, k := range days {
		d := w.day(k)
		out[i] = DayStats{Date: d.date, Tables: map[string]TableStats{}}
		defs := w.o.defs()
		for j := range defs {
			jobs = append(jobs, job{d: d, def: &defs[j], idx: i})
		}
	}
	var (
		mu       sync.Mutex
		firstErr error
		next     int
		wg       sync.WaitGroup
	)
	workers := min(len(jobs), max(1, runtime.GOMAXPROCS(0)))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next == len(jobs) || firstErr != nil {
					mu.Unlock()
					return
				}
				j := jobs[next]
				next++
				mu.Unlock()
				st, err := upload(ctx, b, j.d, j.def)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("synth %s %s: %w", j.def.name, j.d.date.Format(time.DateOnly), err)
					cancel(firstErr)
				}
				out[j.idx].Tables[j.def.name] = st
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// errUploadReturned stops a generator whose upload ended without reading everything.
var errUploadReturned = errors.New("upload returned before reading the whole file")

// upload streams one table into b.Upload through a pipe: the generator writes on its own
// goroutine, the upload reads, and memory stays at the buffer size whatever the table size.
// A generator error closes the pipe with that error, so the upload fails and stores nothing.
func upload(ctx context.Context, b storage.Bucket, d *day, def *tableDef) (TableStats, error) {
	pr, pw := io.Pipe()
	var (
		st     TableStats
		genErr error
		done   = make(chan struct{})
	)
	go func() {
		defer close(done)
		bw := bufio.NewWriterSize(pw, 1<<20)
		st, genErr = writeTable(ctx, bw, d, def)
		pw.CloseWithError(genErr) // nil: a clean EOF
	}()
	upErr := b.Upload(ctx, d.o.Key(def.name, d.k), pr)
	pr.CloseWithError(errUploadReturned)
	<-done
	switch {
	case genErr != nil && !errors.Is(genErr, errUploadReturned):
		return st, genErr
	case upErr != nil:
		return st, upErr
	case genErr != nil:
		return st, genErr
	}
	return st, nil
}
