package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes res as one indented JSON object (the field names of doc.go).
func WriteJSON(w io.Writer, res Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteTable writes res for a person: the dates side by side with their floors, then each
// measured date's layers, tasks, floor files and written files, then the lake and peak RSS.
func WriteTable(w io.Writer, res Result) error {
	p := &printer{w: w}
	kept := ""
	if res.Kept {
		kept = " (kept)"
	}
	p.f("lake     %s%s\n", res.Lake, kept)
	p.f("raw      %s\n", rawLine(res.Raw))
	threads := "all cores"
	if res.Engine.Threads > 0 {
		threads = fmt.Sprintf("%d threads", res.Engine.Threads)
	}
	p.f("engine   memory limit %s, %s (%d CPUs), %d tasks at a time; the floor converts one file at a time\n\n",
		orDefault(res.Engine.MemoryLimit), threads, res.Engine.CPUs, res.Engine.Parallelism)

	p.f("%-10s %4s %9s %11s %9s %9s %10s %11s %9s %13s %11s\n", "date", "day", "raw MB", "raw rows", "floor s", "run s", "run/floor", "floor MB/s", "run MB/s", "floor rows/s", "run rows/s")
	for i, d := range res.Dates {
		p.f("%-10s %4d %9.1f %11d %9.3f %9.3f %10.3f %11.1f %9.1f %13.0f %11.0f\n", d.Date, d.Day, mb(d.RawBytes), d.RawRows,
			d.Floor.Seconds, d.Run.Seconds, d.RunOverFloor, d.Floor.MBPerS, d.Run.MBPerS, d.Floor.RowsPerS, d.Run.RowsPerS)
		if i == 0 {
			for _, u := range res.Unmeasured {
				p.f("%-10s %4d %9s %11s %9s %9.3f  (%s; run only, no floor)\n", u.Date, u.Day, "", "", "", u.Seconds, u.Status)
			}
		}
	}
	for _, d := range res.Dates {
		writeDate(p, d)
	}
	p.f("\nlake files after the last day: %s\n", areasLine(res.LakeFiles))
	p.f("peak RSS %s: ru_maxrss of the whole process (generation, floors and runs)\n", gib(res.PeakRSSBytes))
	return p.err
}

func writeDate(p *printer, d DateResult) {
	p.f("\n%s (day %d): run %s in %.3f s, %.3f s of tasks; floor %.3f s; run/floor %.3f\n", d.Date, d.Day, d.Run.Status, d.Run.Seconds, d.Run.TaskSeconds, d.Floor.Seconds, d.RunOverFloor)
	p.f("  %-8s %6s %9s %9s\n", "layer", "tasks", "wall s", "task s")
	for _, l := range d.Run.Layers {
		p.f("  %-8s %6d %9.3f %9.3f\n", l.Layer, l.Tasks, l.WallSeconds, l.TaskSeconds)
	}
	p.f("  %-38s %-7s %-8s %8s %8s %11s %11s %11s %8s\n", "task", "layer", "status", "start s", "s", "rows in", "rows out", "rows/s", "MB/s")
	for _, t := range d.Run.Tasks {
		p.f("  %-38s %-7s %-8s %8s %8.3f %11s %11s %11s %8s\n", t.Task, t.Layer, t.Status, optF(t.StartSeconds, "%.3f"), t.Seconds,
			optI(t.RowsIn), optI(t.RowsOut), optF(t.RowsPerS, "%.0f"), optF(t.MBPerS, "%.1f"))
	}
	p.f("  %-38s %9s %11s %8s %8s %11s\n", "floor: raw file", "MB", "rows", "s", "MB/s", "parquet MB")
	for _, t := range d.Floor.Tables {
		p.f("  %-38s %9.1f %11d %8.3f %8.1f %11.1f\n", t.Table, mb(t.Bytes), t.Rows, t.Seconds, rate(mb(t.Bytes), t.Seconds), mb(t.OutputBytes))
	}
	p.f("  written by the run: %s\n", areasLine(d.Written))
	p.f("  peak RSS so far: %s after the floor, %s after the run\n", gib(d.Floor.PeakRSSBytes), gib(d.Run.PeakRSSBytes))
}

func rawLine(r RawInfo) string {
	what := fmt.Sprintf("%d date(s) from %s", r.Days, r.Start)
	spec := ""
	if g := r.Generated; g != nil {
		spec = fmt.Sprintf(": %d users, seed %d, %s layout, defect rate %g", g.Users, g.Seed, g.Layout, g.DefectRate)
	}
	switch {
	case r.Reused && r.Generated == nil:
		return "reused " + what + " (raw snapshots bench did not generate)"
	case r.Reused:
		return "reused " + what + spec
	case r.GenerateSeconds != nil:
		return fmt.Sprintf("generated %s%s, in %.1f s", what, spec, *r.GenerateSeconds)
	}
	return "generated " + what + spec
}

func areasLine(a Areas) string {
	part := func(name string, s Size) string {
		return fmt.Sprintf("%s %d files %.1f MB", name, s.Files, mb(s.Bytes))
	}
	return strings.Join([]string{part("bronze", a.Bronze), part("silver", a.Silver), part("gold", a.Gold), part("other", a.Other), part("total", a.Total)}, ", ")
}

func mb(n int64) float64 { return float64(n) / 1e6 }

func gib(n int64) string {
	if n <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.2f GiB (%d kB)", float64(n)/(1<<30), n/1024)
}

func orDefault(s string) string {
	if s == "" {
		return "DuckDB's default"
	}
	return s
}

func optI(v *int64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

func optF(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

// printer writes formatted lines and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
