// Package bronze is the bronze layer: one job, driven by a table contract, that turns a raw
// CSV snapshot into typed, validated, canonical rows.
//
// For run date D and a table it: recognises the raw layout by header names (refusing a file
// that is not UTF-8 CSV text); reads the CSV with the engine's reader, capturing structurally
// broken records (on DuckDB through a rewritten copy when the reader cannot take the file as
// it is: mixed line breaks, records of 64 MiB or more; rawread.go, sparkread.go); parses
// every contract column strictly (a value that does not parse is a reject reason, never a
// silent NULL); shapes the rows (lookups, explosion) with the contract's SQL model; applies the
// rules in order (first failure wins); publishes valid rows to bronze/{table}/run_date=D and
// every rejected row, with its reason, raw values, file and line, to
// bronze/_rejects/{table}/run_date=D; and writes the report.
// input_count = output_count + reject_count + duplicates_removed, always.
//
// The job runs on DuckDB and on Spark alike: its SQL is portable but for the engine's Dialect
// spellings, and only the CSV reader is per engine (rawReader).
//
// Line numbers are CSV record numbers counting the header as line 1 (they equal physical line
// numbers unless a quoted field spans lines); this is the numbering DuckDB's reject capture
// uses, so valid and structural rejects agree, and Spark's reader numbers records the same way.
package bronze
