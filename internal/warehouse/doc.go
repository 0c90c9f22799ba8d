// Package warehouse loads the lake's gold into a SQL warehouse — PostgreSQL, or Redshift as
// the plan intends — so BI tools (Metabase, Superset, Tableau, psql) can query the star
// schema: metalake export and the export_warehouse task (docs/WAREHOUSE.md).
//
// # What the warehouse holds
//
// Loading run date D makes the warehouse equal the lake's gold as of D, in one transaction:
//
//   - every dimension (the SCD2 ones with their surrogate keys and history, the Type 1 ones,
//     dim_date) becomes the lake's committed version — the lake keeps one whole-table version
//     of each, which serves every date through its validity ranges;
//   - the rows of D of every fact and the bridge become the lake's committed partition of D;
//     rows of other run dates are not touched.
//
// So after any sequence of loads — a rerun of D, a backfill of an older date after a later
// one, a load after a forced rerun — the warehouse holds the dimensions of the latest load and,
// for each run date loaded, that date's partition as it was committed when it was loaded:
// exactly what metalake query answers over the same dates, provided every date whose lake
// partition changed was loaded again (the export_warehouse task does it in the run that
// changes it). One exception keeps the foreign keys true: a dimension version the lake no
// longer has (a rerun on corrected data merged it away) stays while facts of another run date
// still reference it; the load reports it (Result.Kept), and loading those dates again removes it.
//
// # How
//
// The schema (meta_gold by default) and its tables are created from the lake's Parquet
// schemas (columnType maps the types): primary keys on the surrogate keys and the facts'
// grains, a unique natural key plus validity on each dimension, foreign keys from the facts and
// the bridge to the dimensions, indexes on the date keys (tableSpecs). A column the lake added
// is an ALTER TABLE ADD COLUMN; a column whose type changed is refused (*SchemaError).
//
// Every table of the load is copied into a temporary staging table, then merged with
// statements common to PostgreSQL and Redshift (sql/merge.sql): the facts' rows of D are
// deleted and inserted; a dimension's rows are deleted when the lake dropped them, updated in
// place when a value changed (NULL-safe comparison) and inserted when new, so keys referenced by
// facts are never deleted and re-inserted. A dimension whose committed version the warehouse
// already holds (the bookkeeping table _metalake_exports records the lake version of every
// folder loaded) is left alone. PostgreSQL receives the rows through the COPY protocol,
// streamed from the engine a batch at a time (pgx); Redshift reads the committed Parquet files
// itself (COPY … FORMAT AS PARQUET MANIFEST IAM_ROLE …) through a manifest listing exactly the
// committed files, written under gold/_warehouse/ for the load and removed after it. Redshift's
// SQL is kept in golden files (testdata/); its merge is the SQL the PostgreSQL tests run.
//
// The password comes from METALAKE_WAREHOUSE_PASSWORD or PGPASSWORD, never from a URL, and
// is never printed: errors name the target as kind://user@host:port/db. Errors say whether a
// retry may help (Retryable): a lost connection may, bad credentials or a refused schema
// change may not.
//
// Check compares a warehouse with the lake: row counts, sums of every numeric column and the
// current SCD2 versions, per table and run date.
package warehouse
