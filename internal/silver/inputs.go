package silver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// HeldDir is the folder of the rows of silver table held back at d: dedup winners that are not
// in silver(D) (dropped by a strategy, or orphans that may come back) but must be carried to
// the next date so the incremental result equals the full recomputation. The "_" prefix keeps
// it out of `metalake query`'s silver views.
func HeldDir(table string, d lake.Date) string {
	return lake.PartitionDir(lake.Silver, "_held/"+table, d)
}

// column is a name and an engine type.
type column struct{ Name, Type string }

type columns []column

func (cs columns) names() []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func (cs columns) find(name string) (column, bool) {
	for _, c := range cs {
		if c.Name == name {
			return c, true
		}
	}
	return column{}, false
}

func (cs columns) without(names ...string) columns {
	var out columns
	for _, c := range cs {
		if !contains(names, c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// describe returns the columns of a relation (an SQL query) without running it.
func describe(ctx context.Context, s engine.Session, query string) (columns, error) {
	cols, err := s.Describe(ctx, "("+query+") AS d")
	out := make(columns, len(cols))
	for i, c := range cols {
		out[i] = column{Name: c.Name, Type: c.Type}
	}
	return out, err
}

// partitionInput is one committed partition localised for the engine.
type partitionInput struct {
	part   lake.Partition
	paths  []string // local paths of its files (none for an empty partition)
	layout string   // bronze partitions: the layout of the bronze report
}

func (p partitionInput) rows() int64 { return p.part.Manifest.Rows }

// localize makes the partition's files readable by the engine (in place on a local lake).
func (j *Job) localize(ctx context.Context, p lake.Partition, tmp string) (partitionInput, error) {
	paths, err := engine.Inputs(ctx, j.Engine, j.Lake.B, p.Keys(), tmp)
	return partitionInput{part: p, paths: paths}, err
}

// committed returns the committed partition dir of d, or ok false.
func (j *Job) committed(ctx context.Context, dir string, d lake.Date) (lake.Partition, bool, error) {
	m, ok, err := j.Lake.ReadManifest(ctx, dir)
	if err != nil || !ok {
		return lake.Partition{}, ok, err
	}
	return lake.Partition{Date: d, Dir: dir, Manifest: m}, true, nil
}

// bronzeLayout reads the layout bronze recognised for table's partition of d.
func (j *Job) bronzeLayout(ctx context.Context, table string, d lake.Date) (string, error) {
	var rep struct {
		Layout string `json:"layout"`
	}
	key := lake.ReportKey(lake.Bronze, d, table+"_report.json")
	if err := j.Lake.GetJSON(ctx, key, &rep); err != nil {
		return "", fmt.Errorf("layout of bronze %s %s: %w", table, d, err)
	}
	if rep.Layout == "" {
		return "", fmt.Errorf("layout of bronze %s %s: %s names no layout", table, d, key)
	}
	return rep.Layout, nil
}

// bronzeInSQL is the relation of every bronze row read: the contract's columns cast to their
// types (NULL where a partition's layout lacks one), the lineage columns and the per-layout
// params as __{name} columns.
func (j *Job) bronzeInSQL(ctx context.Context, s engine.Session, t Table, parts []partitionInput) (string, error) {
	var layoutParams []Param
	for _, p := range t.Params {
		if len(p.Layouts) > 0 {
			layoutParams = append(layoutParams, p)
		}
	}
	selectFor := func(have map[string]bool, p *partitionInput) []string {
		var cols []string
		for _, c := range t.Columns {
			if have[c.Name] {
				cols = append(cols, fmt.Sprintf("CAST(%s AS %s) AS %s", engine.Ident(c.Name), engine.CastType(c.Type), engine.Ident(c.Name)))
			} else {
				cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS %s", engine.CastType(c.Type), engine.Ident(c.Name)))
			}
		}
		if p == nil {
			cols = append(cols, "CAST(NULL AS DATE) AS source_run_date", "CAST(NULL AS STRING) AS source_file", "CAST(NULL AS BIGINT) AS source_line")
		} else {
			cols = append(cols, dateLiteral(p.part.Date.String())+" AS source_run_date",
				"CAST(source_file AS STRING) AS source_file", "CAST(source_line AS BIGINT) AS source_line")
		}
		for _, lp := range layoutParams {
			v := lp.Default
			if p != nil {
				v = lp.value(p.layout)
			}
			cols = append(cols, engine.Text(v)+" AS "+engine.Ident("__"+lp.Name))
		}
		return cols
	}
	var branches []string
	for i := range parts {
		p := &parts[i]
		if len(p.paths) == 0 {
			continue
		}
		src := j.Engine.Dialect().ReadParquet(p.paths)
		have, err := describe(ctx, s, "SELECT * FROM "+src)
		if err != nil {
			return "", err
		}
		set := map[string]bool{}
		for _, c := range have {
			set[c.Name] = true
		}
		if !set["source_line"] || !set["source_file"] {
			return "", fmt.Errorf("bronze %s %s has no source_file/source_line lineage columns", t.Bronze, p.part.Date)
		}
		branches = append(branches, "SELECT "+strings.Join(selectFor(set, p), ", ")+" FROM "+src)
	}
	if len(branches) == 0 {
		return "SELECT " + strings.Join(selectFor(nil, nil), ", ") + " WHERE false", nil
	}
	return strings.Join(branches, "\nUNION ALL\n"), nil
}

// carriedSQL is the relation of the rows carried from the previous date: silver(P) and the rows
// held back at P, projected on the state columns (NULL where an older partition lacks one),
// with their __drop code (NULL for silver rows; a held row keeps the code of a row-cleaning
// drop, while a date-relative hold is judged again).
func carriedSQL(ctx context.Context, s engine.Session, dl engine.Dialect, state columns, main, held *partitionInput) (string, error) {
	proj := func(have map[string]bool, drop string) string {
		var cols []string
		for _, c := range state {
			if have[c.Name] {
				cols = append(cols, fmt.Sprintf("CAST(%s AS %s) AS %s", engine.Ident(c.Name), engine.CastType(c.Type), engine.Ident(c.Name)))
			} else {
				cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS %s", engine.CastType(c.Type), engine.Ident(c.Name)))
			}
		}
		return strings.Join(append(cols, drop+" AS __drop"), ", ")
	}
	var branches []string
	for _, p := range []*partitionInput{main, held} {
		if p == nil || len(p.paths) == 0 {
			continue
		}
		src := dl.ReadParquet(p.paths)
		have, err := describe(ctx, s, "SELECT * FROM "+src)
		if err != nil {
			return "", err
		}
		set := map[string]bool{}
		for _, c := range have {
			set[c.Name] = true
		}
		drop := "CAST(NULL AS STRING)"
		if p == held {
			if !set["drop_code"] {
				return "", errors.New("held rows without a drop_code column")
			}
			drop = "CAST(drop_code AS STRING)"
		}
		branches = append(branches, "SELECT "+proj(set, drop)+" FROM "+src)
	}
	if len(branches) == 0 {
		return "SELECT " + proj(nil, "CAST(NULL AS STRING)") + " WHERE false", nil
	}
	return strings.Join(branches, "\nUNION ALL\n"), nil
}
