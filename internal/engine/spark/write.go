package spark

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/metalake/metalake/internal/engine"
)

// WriteParquet implements engine.Session. Spark's DataFrame writer in the Go client takes no
// options, so SQL writes: INSERT OVERWRITE DIRECTORY into a fresh folder — under out.Dir in the
// lake when the engine writes into the lake (Options.Lake), else under the work directory —
// one snappy Parquet file per task (part-{task}-{uuid}-c{n}.snappy.parquet), in task order the
// query's order. Spark limits files by rows, not bytes: when a file comes out larger than
// out.MaxFileBytes, the output is rewritten from those files (not recomputed, so the rows stay
// the same and in the same order) with maxRecordsPerFile set from the average row size.
func (s *session) WriteParquet(ctx context.Context, query string, out engine.Output) ([]engine.ParquetFile, error) {
	maxFileBytes := out.FileBytes()
	query = strings.TrimRight(strings.TrimSpace(query), ";")
	first, err := s.eng.newPlace(out.Dir, "write")
	if err != nil {
		return nil, err
	}
	if err := s.Exec(ctx, insertDirectory(first.uri, query, 0)); err != nil {
		first.removeAll(ctx)
		return nil, err
	}
	files, sizes, err := s.partFiles(ctx, first)
	if err != nil {
		return nil, err
	}
	var rows, size, largest int64
	for i, f := range files {
		rows += f.Rows
		size += sizes[i]
		largest = max(largest, sizes[i])
	}
	if largest <= maxFileBytes || rows < 2 {
		return files, nil
	}
	perFile := max(1, rows*maxFileBytes/size)
	split, err := s.eng.newPlace(out.Dir, "write")
	if err != nil {
		return nil, err
	}
	// File names sort in task order (part-00000…, c000…) and row_index is the order within a file.
	reread := "SELECT * FROM parquet." + ident(globEscape(filepath.ToSlash(first.uri))) +
		" ORDER BY _metadata.file_name, _metadata.row_index"
	if err := s.Exec(ctx, insertDirectory(split.uri, reread, perFile)); err != nil {
		split.removeAll(ctx)
		return nil, err
	}
	if err := first.removeAll(ctx); err != nil {
		return nil, err
	}
	files, _, err = s.partFiles(ctx, split)
	return files, err
}

func insertDirectory(dir, query string, maxRecords int64) string {
	opts := "compression 'snappy'"
	if maxRecords > 0 {
		opts += fmt.Sprintf(", maxRecordsPerFile '%d'", maxRecords)
	}
	return fmt.Sprintf("INSERT OVERWRITE DIRECTORY %s USING parquet OPTIONS (%s) %s", literal(dir), opts, query)
}

// partFiles returns the Parquet files Spark wrote into p with their row counts and sizes, in
// task order; files without rows (Spark writes one for an empty result) are removed. _SUCCESS
// and the checksum files are not outputs (a lake folder's are swept when it is published).
func (s *session) partFiles(ctx context.Context, p place) ([]engine.ParquetFile, []int64, error) {
	entries, err := p.list(ctx, func(name string) bool {
		return strings.HasPrefix(name, "part-") && strings.HasSuffix(name, ".parquet")
	})
	if err != nil || len(entries) == 0 {
		return nil, nil, err
	}
	counts := map[string]int64{}
	q := "SELECT _metadata.file_name, COUNT(*) FROM parquet." + ident(globEscape(filepath.ToSlash(p.uri))) + " GROUP BY 1"
	if err := s.Each(ctx, q, func(row []any) error {
		name, _ := row[0].(string)
		n, _ := row[1].(int64)
		counts[name] = n
		return nil
	}); err != nil {
		return nil, nil, err
	}
	var files []engine.ParquetFile
	var sizes []int64
	for _, e := range entries {
		if counts[e.name] == 0 {
			p.remove(ctx, e.name)
			p.remove(ctx, "."+e.name+".crc")
			continue
		}
		uri, key := p.file(e.name)
		files = append(files, engine.ParquetFile{Path: uri, Key: key, Rows: counts[e.name]})
		sizes = append(sizes, e.size)
	}
	sortParts(files, sizes)
	return files, sizes, nil
}

// sortParts orders Spark's part-{task}-{uuid}-c{n}.snappy.parquet by task, then n (sizes
// alongside).
func sortParts(files []engine.ParquetFile, sizes []int64) {
	key := func(p string) (task, n int) {
		b := path.Base(filepath.ToSlash(p))
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
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ta, na := key(files[idx[a]].Path)
		tb, nb := key(files[idx[b]].Path)
		if ta != tb {
			return ta < tb
		}
		if na != nb {
			return na < nb
		}
		return files[idx[a]].Path < files[idx[b]].Path
	})
	fs, ss := slices.Clone(files), slices.Clone(sizes)
	for i, j := range idx {
		files[i], sizes[i] = fs[j], ss[j]
	}
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
