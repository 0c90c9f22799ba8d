// Package silver is the silver layer (SPEC §4): one job, driven by a small contract per table
// (contracts/*.yaml) and SQL models (models/*.sql), that turns bronze snapshots into one clean,
// enriched row per key, plus the silver DQ report and the checks that gate gold.
//
// # What silver(D) is
//
// For every key seen in any committed bronze partition with run date ≤ D, its best version by
// the table's dedup order (the contract's dedup_order, e.g. users: source_run_date DESC,
// signup_ts DESC NULLS LAST, country_code DESC NULLS LAST, source_line DESC), cleaned, then
// enriched against D. Keys absent from bronze(D) are kept (counted as not_in_latest_snapshot).
// Nothing after D is ever read, and ages are measured against D, so a rerun of an old date
// reproduces it.
//
// # How it is computed (Incremental), and why it equals the full recomputation (Full)
//
// Let P be the previous ingestion date of the table (the latest date < D with a raw snapshot or
// a committed bronze partition). The state of a date is the set of dedup winners after row
// cleaning, each carrying lineage columns: source_run_date and source_line of the bronze row it
// came from, first_ingested_date and last_ingested_date of its key, and a __drop code. It is
// stored in two committed partitions published with one attempt id: silver/{t}/run_date=D (the
// rows kept, enriched) and silver/_held/{t}/run_date=D (winners not kept: dropped by a
// strategy, or held back by enrichment such as a tag whose dataset is not in silver yet).
//
//	new      = prepare(bronze(D))                    key-only drops (empty tag) happen here
//	winners  = first by dedup_order per key over new ∪ state(P); min/max ingestion dates per key
//	state(D) = clean(new winners) ∪ carried winners  carried rows pass through unchanged
//	silver(D)= enrich_D(live rows of state(D))       ages, owner/author joins, tag categories
//
// Full mode computes the same with new = prepare(every bronze partition ≤ D) and no state(P).
// The two agree because:
//
//  1. Deduplication is a maximum under a total order (every dedup_order ends with a unique
//     tie-breaker: run date and source line identify a bronze row; tags add tag_original for
//     originals that normalise alike on one line), and max(A ∪ B) = max(max(A) ∪ B). By
//     induction state(P) holds, per key, the maximum over bronze ≤ P — including winners that
//     were dropped, which is why dropped and held-back winners are carried too: forgetting
//     them would let an older version win, or lose a key that comes back.
//  2. A carried row compares with a new row exactly as its bronze original would: cleaning
//     never changes a column that is compared across run dates (datasets' updated_ts is
//     flagged, never imputed); columns after source_run_date in an order only break ties
//     within one snapshot, where every candidate is a new row.
//  3. Cleaning is a function of the winning bronze row, its layout (per-layout params are
//     columns of each bronze row) and its key's first ingestion date, which is the same when
//     the row first wins incrementally and in the full recomputation (for users the run date
//     leads the order, so every earlier version is already seen; for the others the minimum is
//     carried). A row cleaned once is never cleaned again.
//  4. Enrichment is recomputed for every live row on every date from state(D) and silver
//     tables of D, which are equal by the same argument in dependency order (users → datasets
//     → {competitions, tags}; users → kernels).
//
// The incremental cost depends on the size of one snapshot plus the state, not on the number
// of dates (see docs/BENCHMARKS.md). The tests prove the equality on multi-day generated lakes
// in both layouts and on hand-written edge cases (TestIncrementalEqualsFull*).
//
// # Two plans for the winners (dedup.go)
//
// Full mode, and any table whose order does not lead with the run date (datasets: updated_ts
// first), rank every row of new ∪ state(P) per key with one window. In incremental mode, when
// dedup_order starts with source_run_date DESC (users, kernels, competitions, tags), every new
// row (of D) outranks every carried row (of an earlier date; checked, else the window runs),
// so the maximum of point 1 needs no ranking across dates: a key's winner is its best new row
// when bronze(D) has the key, else its carried row, and its ingestion dates are the least and
// greatest of D and its carried row's. Only the keys bronze(D) repeats — few: a snapshot
// lists a key once, defects aside — are ranked, with the same window over their new rows.
// The plan reads state(P) as one row per key, which state(P) is (one winner per key, split
// between silver(P) and held(P)). Should a previous silver repeat a key anyway, a repeated
// key absent from bronze(D) sends the date to the window, and one present in bronze(D) fails
// the accounting check (its new row would be joined twice) instead of publishing it twice.
//
// The window's output is scattered across keys, so its silver(D) is written ordered by key.
// The other plan writes rows as they stream, roughly in bronze(D)'s order (Meta Kaggle lists
// ids in ascending order), without a sort: nothing reads silver in an order (gold joins on
// keys, fingerprints and the tests compare row multisets), and the files are no larger.
//
// # Accounting
//
// input_count = bronze(D) rows + carried rows (silver(P) and held(P)) = output_count +
// duplicates_removed + every dropped row, counted under its DROP strategy; after_dedup_count =
// output_count + held_count, where after_dedup_count is the winners counted (the window) or
// known (one per key of bronze(D), plus the carried rows of the other keys). Both are checked
// before anything is published: a model that fans rows out, emits an undeclared drop code or
// loses rows fails the run (AccountingError, ContractError), not the numbers. Non-drop
// strategies (IMPUTE, FLAG, DEFAULT, DERIVE, NORMALISE) count the rows of silver(D) their
// predicate holds for.
//
// # Dialect
//
// Models are portable SQL plus a few template functions (dialect.go: regular expressions, day
// differences) and contract params ({{param "name"}}); reading Parquet lives in dialect.go
// too. Only committed partitions are read (lake manifests); outputs are written with the
// engine and published with the lake's commit protocol, replacing only that date's partition.
package silver
