package bench

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/engine"
)

// floor measures the least work any pipeline must do with the date's raw files: a fresh
// DuckDB instance (opts: the run's threads and memory limit) converts each file to snappy
// Parquet with its own CSV reader and Parquet writer, one file after the other (each COPY uses
// every thread), and nothing else. The Parquet files are scratch, removed once measured.
func floor(ctx context.Context, opts engine.Options, files []rawFile) (FloorResult, error) {
	var res FloorResult
	eng, err := engine.Open(ctx, opts)
	if err != nil {
		return res, err
	}
	defer eng.Close()
	out, err := eng.TempDir("floor")
	if err != nil {
		return res, err
	}
	s, err := eng.Session(ctx)
	if err != nil {
		return res, err
	}
	defer s.Close()
	var total time.Duration
	for _, f := range files {
		header, err := csvHeader(f.path)
		if err != nil {
			return res, fmt.Errorf("bench: floor %s: %w", f.key, err)
		}
		target := filepath.Join(out, f.table+".parquet")
		var rows int64
		t0 := time.Now()
		if err := s.QueryRow(ctx, FloorSQL(f.path, header, target), &rows); err != nil {
			return res, fmt.Errorf("bench: floor %s: %w", f.key, err)
		}
		took := time.Since(t0)
		total += took
		st, err := os.Stat(target)
		if err != nil {
			return res, fmt.Errorf("bench: floor %s: %w", f.key, err)
		}
		if err := os.Remove(target); err != nil {
			return res, err
		}
		res.Tables = append(res.Tables, FloorTable{Table: f.table, Bytes: f.bytes, Rows: rows, Seconds: round3(took.Seconds()), OutputBytes: st.Size()})
		res.OutputBytes += st.Size()
	}
	res.Seconds = round3(total.Seconds())
	return res, nil
}

// FloorSQL is the floor's statement for one raw CSV file: DuckDB's read_csv into COPY … TO
// Parquet, nothing in between. Every column is read as text (VARCHAR, as all_varchar would):
// bronze reads raw fields as text and parses them itself, so typing them here would be work
// the floor does not share with the run, and type detection fails or guesses on defective
// rows. The dialect is given (comma, double quote, doubled-quote escape, header) rather than
// sniffed: on the generated files with a broken record the sniffer picks a dialect that loses
// rows (on a 3,000-user day, 18 of 171 well-formed DatasetVersions records and 2,945 of 3,006
// users). Structurally broken records are skipped (ignore_errors), the least a reader can do
// with them.
func FloorSQL(csvPath string, header []string, parquetPath string) string {
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = engine.Literal(h) + ": 'VARCHAR'"
	}
	return fmt.Sprintf(`COPY (SELECT * FROM read_csv(%s, header = true, auto_detect = false, columns = {%s},
  delim = ',', quote = '"', escape = '"', ignore_errors = true)) TO %s (FORMAT parquet, COMPRESSION snappy)`,
		engine.FilePath(csvPath), strings.Join(cols, ", "), engine.Literal(parquetPath))
}

// csvHeader returns the column names of a CSV file's first record, or c0, c1, … when they
// cannot name the columns (empty or repeated names).
func csvHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord, r.LazyQuotes = -1, true
	rec, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if len(rec) == 0 {
		return nil, errors.New("read header: empty first line")
	}
	rec[0] = strings.TrimPrefix(rec[0], "\uFEFF")
	seen := map[string]bool{}
	usable := true
	for _, h := range rec {
		k := strings.ToLower(h)
		usable = usable && h != "" && !seen[k]
		seen[k] = true
	}
	if !usable {
		for i := range rec {
			rec[i] = fmt.Sprintf("c%d", i)
		}
	}
	return rec, nil
}
