package spark

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// TempCSV creates or replaces name, a temporary view over the CSV file at path (a local path,
// as Engine.Input returns) read by Spark's CSV source, for a caller that checks records
// itself (bronze; found by type assertion, as it is no part of engine.Session):
//
//   - RFC 4180 text in UTF-8: comma-separated, fields quoted with ", "" a quote inside
//     quotes, line breaks inside quoted fields part of the field, a backslash plain text;
//   - the first record is a header and skipped; every field is a STRING of columns, in
//     order, and an empty field, quoted ("") or not, is NULL;
//   - a record with more or fewer fields than columns is malformed: column corrupt holds its
//     text (NULL for well-formed records; the other columns hold what could be read of a
//     malformed one); the field count is checked on every record, whatever a query reads of
//     the view (CSV column pruning is off for the session);
//   - the file is read whole by one task (multiLine): its records are one partition, in file
//     order.
//
// Blank lines are skipped, not records.
func (s *session) TempCSV(ctx context.Context, name, path string, columns []string, corrupt string) error {
	if err := s.ss.Config().Set(ctx, "spark.sql.csv.parser.columnPruning.enabled", "false"); err != nil {
		return fmt.Errorf("engine: csv %s: %w", path, serverError(err))
	}
	schema := make([]string, 0, len(columns)+1)
	for _, c := range append(columns[:len(columns):len(columns)], corrupt) {
		schema = append(schema, ident(c)+" STRING")
	}
	opts := [][2]string{
		{"path", globEscape(filepath.ToSlash(path))}, // a path, not a pattern
		{"header", "true"},
		{"multiLine", "true"},
		{"mode", "PERMISSIVE"},
		{"columnNameOfCorruptRecord", corrupt},
		{"sep", ","},
		{"quote", `"`},
		{"escape", `"`},
		{"encoding", "UTF-8"},
		{"nullValue", ""}, // an empty field is NULL; so is a quoted one, read as emptyValue ''
		{"emptyValue", ""},
		{"ignoreLeadingWhiteSpace", "false"},
		{"ignoreTrailingWhiteSpace", "false"},
	}
	o := make([]string, len(opts))
	for i, kv := range opts {
		o[i] = kv[0] + " " + literal(kv[1])
	}
	if err := s.DropTemp(ctx, name); err != nil {
		return err
	}
	stmt := fmt.Sprintf("CREATE OR REPLACE TEMPORARY VIEW %s (%s) USING csv OPTIONS (%s)",
		ident(name), strings.Join(schema, ", "), strings.Join(o, ", "))
	if err := s.Exec(ctx, stmt); err != nil {
		return err
	}
	s.temps[name] = nil // a view: DropTemp drops it
	return nil
}
