package spark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/metalake/metalake/internal/engine"
)

// WriteParquet implements engine.Session. Spark's DataFrame writer in the Go client takes no
// options, so SQL writes: INSERT OVERWRITE DIRECTORY into a fresh directory under the work
// directory, one snappy Parquet file per task (part-{task}-{uuid}-c{n}.snappy.parquet), in
// task order the query's order. Spark limits files by rows, not bytes: when a file comes out
// larger than maxFileBytes, the output is rewritten from those files (not recomputed, so the
// rows stay the same and in the same order) with maxRecordsPerFile set from the average row
// size.
func (s *session) WriteParquet(ctx context.Context, query string, maxFileBytes int64) ([]engine.ParquetFile, error) {
	if maxFileBytes <= 0 {
		maxFileBytes = 256 << 20
	}
	query = strings.TrimRight(strings.TrimSpace(query), ";")
	dir, err := s.eng.TempDir("parquet")
	if err != nil {
		return nil, err
	}
	if err := s.Exec(ctx, insertDirectory(dir, query, 0)); err != nil {
		return nil, err
	}
	files, err := s.partFiles(ctx, dir)
	if err != nil {
		return nil, err
	}
	var rows, size, largest int64
	for _, f := range files {
		st, err := os.Stat(f.Path)
		if err != nil {
			return nil, fmt.Errorf("engine: parquet output: %w", err)
		}
		rows += f.Rows
		size += st.Size()
		largest = max(largest, st.Size())
	}
	if largest <= maxFileBytes || rows < 2 {
		return files, nil
	}
	perFile := max(1, rows*maxFileBytes/size)
	split, err := s.eng.TempDir("parquet")
	if err != nil {
		return nil, err
	}
	// File names sort in task order (part-00000…, c000…) and row_index is the order within a file.
	reread := "SELECT * FROM parquet." + ident(globEscape(filepath.ToSlash(dir))) +
		" ORDER BY _metadata.file_name, _metadata.row_index"
	if err := s.Exec(ctx, insertDirectory(split, reread, perFile)); err != nil {
		return nil, err
	}
	os.RemoveAll(dir)
	return s.partFiles(ctx, split)
}

func insertDirectory(dir, query string, maxRecords int64) string {
	opts := "compression 'snappy'"
	if maxRecords > 0 {
		opts += fmt.Sprintf(", maxRecordsPerFile '%d'", maxRecords)
	}
	return fmt.Sprintf("INSERT OVERWRITE DIRECTORY %s USING parquet OPTIONS (%s) %s", literal(dir), opts, query)
}

// partFiles returns the Parquet files Spark wrote into dir with their row counts, in task
// order; files without rows (Spark writes one for an empty result) are removed. _SUCCESS and
// the checksum files are not outputs.
func (s *session) partFiles(ctx context.Context, dir string) ([]engine.ParquetFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("engine: list parquet output: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasPrefix(e.Name(), "part-") && strings.HasSuffix(e.Name(), ".parquet") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	counts := map[string]int64{}
	q := "SELECT _metadata.file_name, COUNT(*) FROM parquet." + ident(globEscape(filepath.ToSlash(dir))) + " GROUP BY 1"
	if err := s.Each(ctx, q, func(row []any) error {
		name, _ := row[0].(string)
		n, _ := row[1].(int64)
		counts[name] = n
		return nil
	}); err != nil {
		return nil, err
	}
	var files []engine.ParquetFile
	for _, name := range names {
		p := filepath.Join(dir, name)
		if counts[name] == 0 {
			os.Remove(p)
			os.Remove(filepath.Join(dir, "."+name+".crc"))
			continue
		}
		files = append(files, engine.ParquetFile{Path: p, Rows: counts[name]})
	}
	sortParts(files)
	return files, nil
}

// sortParts orders Spark's part-{task}-{uuid}-c{n}.snappy.parquet by task, then n.
func sortParts(files []engine.ParquetFile) {
	key := func(p string) (task, n int) {
		b := filepath.Base(p)
		rest := strings.TrimPrefix(b, "part-")
		if i := strings.IndexByte(rest, '-'); i > 0 {
			task, _ = strconv.Atoi(rest[:i])
		}
		if i := strings.LastIndex(b, "-c"); i >= 0 {
			digits := b[i+2:]
			if j := strings.IndexByte(digits, '.'); j >= 0 {
				digits = digits[:j]
			}
			n, _ = strconv.Atoi(digits)
		}
		return task, n
	}
	sort.SliceStable(files, func(i, j int) bool {
		ti, ni := key(files[i].Path)
		tj, nj := key(files[j].Path)
		if ti != tj {
			return ti < tj
		}
		if ni != nj {
			return ni < nj
		}
		return files[i].Path < files[j].Path
	})
}

// Fingerprint implements engine.Session: the row count and the sum of every row's xxhash64 over
// the columns not excluded, each with its NULL flag (xxhash64 skips NULLs, so without the flags
// (NULL, 'a') and ('a', NULL) would hash alike). The sum is a DECIMAL(38,0), which cannot
// overflow. Fingerprints are comparable between runs of one engine, not across engines.
func (s *session) Fingerprint(ctx context.Context, files []string, exclude []string) (string, error) {
	if len(files) == 0 {
		return "0:0", nil
	}
	rel := Dialect{}.ReadParquet(files)
	cols, err := s.Describe(ctx, rel)
	if err != nil {
		return "", err
	}
	var args []string
	for _, c := range cols {
		if !slices.Contains(exclude, c.Name) {
			args = append(args, ident(c.Name), ident(c.Name)+" IS NULL")
		}
	}
	sum := "0"
	if len(args) > 0 {
		sum = fmt.Sprintf("COALESCE(SUM(CAST(xxhash64(%s) AS DECIMAL(38,0))), 0)", strings.Join(args, ", "))
	}
	var fp string
	err = s.QueryRow(ctx, fmt.Sprintf("SELECT CAST(COUNT(*) AS STRING) || ':' || CAST(%s AS STRING) FROM %s", sum, rel), &fp)
	return fp, err
}
