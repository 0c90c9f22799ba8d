// Package vacuum is the lake's retention (the plan's monthly "data retention cleanup"): it
// removes the bronze and silver partitions of old run dates, with everything else that is
// kept per run date beside them, and never what a later run still reads.
//
// # What goes
//
// For every removed run date D: bronze/{t}/run_date=D, bronze/_rejects/{t}/run_date=D,
// silver/{t}/run_date=D, silver/_held/{t}/run_date=D (the rows silver carries to the next
// date), the reports bronze/_reports, silver/_reports and _reports of D (the run summary) and
// _monitoring of D; the catalog forgets the removed partitions (catalog.Crawler.Forget, which
// also unregisters them from Glue when the lake uses catalog.glue). Options.Gold also removes
// gold/{fact|bridge}/run_date=D and gold/_reports of D.
//
// # What stays, and why
//
//   - raw/: the source of truth. Every vacuumed date can be rebuilt from it, and it is what
//     makes a backfill of a vacuumed date fail loudly instead of silently: silver finds the
//     previous ingestion date from raw, sees its silver is gone and fails naming it. (Without
//     raw, silver would take the oldest remaining partition as the first date and compute a
//     wrong silver.) On S3 the lifecycle rule archives raw after 30/90 days.
//   - gold facts and the bridge (unless Options.Gold) and their reports: they are the
//     analytics history, small, and no later run reads them.
//   - gold dimensions: whole-table versions every later run merges into; they are not dated.
//   - _state/: run states (status, stale detection and the scheduler's catch-up read them; a
//     removed state would make serve rerun a vacuumed date), dimension keys, this package's
//     log (lake.VacuumLogKey).
//
// # Protected run dates
//
// The selection (the newest N run dates kept, or the dates before D removed) never removes:
//   - the latest run date;
//   - the date of each silver table's newest committed partition: the next run computes
//     silver(D) = silver(previous) + bronze(D) from it and its held rows, and its
//     fact_tag_usage_daily reads that date's silver tags (new_assignments);
//   - a date whose run did not end cleanly (failed, still running, or stale), and every date
//     back to the newest clean success before it: rerunning or recomputing it reads their
//     silver.
//
// The run dates of a lake are the dates with a run state or any dated folder; states are
// never removed, so "the newest N run dates" means the same thing before and after a vacuum.
//
// # Commit protocol and crashes
//
// Each folder is removed with lake.Remove: its manifest first (readers stop seeing the
// partition at once, never half of it), then the catalog forgets it, then its files. Dated
// folders are found by listing, committed or not, so a vacuum killed half-way is completed by
// running it again with the same options; a vacuum with nothing left to remove says so.
//
// # Backfills after a vacuum
//
// A rerun of a removed date D (run --date D --force) rebuilds bronze(D) from raw, then fails
// in silver naming the missing previous partition ("previous date P has no silver
// partition"): its inputs are gone. Rebuild the history from raw with
// run --date FIRST --to D --force, which recomputes every date in order from the first one.
// (--full-silver must not be used on a vacuumed lake: it would read only the bronze
// partitions that are left.)
package vacuum
