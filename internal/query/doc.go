// Package query owns `metalake query`: read-only SQL over every layer of the lake.
//
// Open lists the lake and exposes its committed data as views in a private, in-memory DuckDB:
//
//	bronze.{t}, silver.{t}, gold.{t}   every {layer}/{t}/ folder not starting with "_"
//	rejects.{t}                       every bronze/_rejects/{t}/ folder
//	{schema}.{t}_latest               the newest committed run_date of a partitioned table
//
// A view reads exactly the files the partition manifests list (internal/lake's commit
// protocol): a partition without a manifest, a half-written upload and an orphan file of a
// crashed attempt are never read. Partitions written with different schemas are unioned by
// column name; run_date is a DATE column taken from the partition folder (replacing a run_date
// column the files may carry, so there is exactly one). A folder with its own _manifest.json
// and no run_date= partitions (a whole-table gold dimension) is exposed as one view without a
// _latest. A table whose committed partitions are all empty has no columns to offer; it is
// exposed as an empty view with only run_date, so counting it gives 0 rather than an error. A
// folder with no committed partition at all, or a whole-table folder committed with no files,
// is not exposed. If the newest committed partition is empty, {t}_latest is empty too (with
// the table's columns); otherwise it has the newest partition's own columns.
//
// The views are a snapshot of the manifests at Open: later commits are not seen, and on a
// local lake (files read in place) a publish that replaces a partition after Open deletes the
// files a view reads, so that query fails and the catalog must be reopened. Objects of a
// non-local lake are downloaded at Open into a temporary directory that Close removes.
//
// Read-only, twice over. First, Query runs only one statement, and only if DuckDB's prepared
// statement says it is a SELECT (which includes WITH, VALUES, DESCRIBE, SHOW, SUMMARIZE and the
// PRAGMAs DuckDB rewrites into queries) or an EXPLAIN of one; everything else is refused with
// an error wrapping ErrRefused. Second, the private DuckDB has external access disabled and may
// open only the lake files the views list (allowed_paths), with its configuration locked, so
// even a statement that slipped through could neither read nor write any other file, attach a
// database or load an extension. The instance is private because both guards need it: the
// engine's sessions do not expose the driver connection (needed for the statement type), and
// disabling external access is process-wide and irreversible, which would break every other
// user of the shared engine. It mirrors the engine's thread and memory limits.
//
// Output formats: see Query.
package query
