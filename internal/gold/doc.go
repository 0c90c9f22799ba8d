// Package gold is the gold layer (SPEC §5): a star schema built from silver of a run date D —
// five dimensions, three facts and a bridge — with enforced data-quality checks.
//
// # Tables
//
// Dimensions are whole-table objects: gold/{dim}/ holds one version committed by its own
// _manifest.json (lake.Publish on the folder), and a build reads the committed version plus
// silver(D) and publishes the next version atomically. dim_date is generated (date_sk =
// yyyymmdd, no Unknown member); dim_user and dim_dataset are SCD Type 2; dim_competition and
// dim_tag are Type 1. Every dimension but dim_date has an Unknown member at surrogate key 0.
// Facts and the bridge are partitioned by run date (gold/{fact}/run_date=D/): a build
// replaces D's partition and nothing else.
//
// # Tables are contracts
//
// A gold table is a contract, contracts/{table}.yaml, plus its model, models/{table}.sql (SQL
// blocks rendered with text/template: portable SQL plus the dialect's functions, engine.Funcs).
// The contract says what the code used to: the table's kind (dimension, fact, bridge), its
// position (order) and the gold tables it waits for (depends_on), the silver tables and columns
// it reads; for a dimension its type (scd2, type1, calendar), source, natural and surrogate
// keys, tracked and Type 1 columns with their types and the name of its distinct-keys metric;
// for a fact its output columns with types, grain, sort order, the dimensions it reads, the
// silver table whose previous partition it compares with, its checks, and the columns a
// warehouse indexes. contracts/silver.yaml types the silver columns gold reads: every build
// projects silver table T through that one list (view silver_T), the union of what the
// contracts read. Load decodes them strictly and validates them together (kinds, types,
// dependencies that exist and form no cycle and come earlier in order, a fact's dimensions
// among its dependencies, models with every block the code renders), naming the file, the
// field and the fix; Default is the embedded set, Tables its listing, and everything that
// lists gold tables (the pipeline's tasks, validation, the warehouse's keys) derives from it.
//
// What stays code is what is the same for every table of a kind: the generic SCD2 and Type 1
// merges (models/scd2.sql, type1.sql, dim_stats.sql driven by dims.go), the columns gold adds
// (surrogate and natural key first; validity, last_observed_date and audit columns of a
// dimension; run_date, pipeline_run_id, created_at_ts of a fact), the fact build (facts.go),
// and the calendar generator: dim_date is declared in the same list (type calendar, with its
// whole schema, and the silver date columns whose dates it must cover as its reads), but its
// range logic is dimdate.go.
//
// # SCD Type 2 merge
//
// A dimension's history is a function of the run dates it has absorbed and their silver
// snapshots: per key, take the snapshots that show the key in date order and merge consecutive
// equal tracked values (compared with IS DISTINCT FROM, so NULL is a value); each run of
// equal values is one version, [first date of the run 00:00, first date of the next run),
// the last one ending at 9999-12-31 (current). Keys absent from a snapshot (silver carries
// every key it ever saw, but may drop one, e.g. without a country) are untouched by that date.
//
// The merge applies silver(D) to the committed versions so that the result equals that
// function whatever order dates are processed in (models/scd2.sql). For each key of silver(D):
//
//   - no version (new key): a version [D, end of time);
//   - versions exist but all start after D (a backfill): a version [D, first start), merged
//     with the first version when the values are equal (that version then starts at D);
//   - the version effective on D (start <= D < end) has equal values: nothing changes;
//   - it differs: the version is cut at D (its head [start, D) keeps its key), the observed
//     values run from D to where the key's history resumes, and the rest of the old version
//     [resume, end) becomes a version of its own. "Where it resumes" is the first later
//     processed date, before the version's end, whose silver shows the key (next_obs): the
//     snapshots inside a version all had its values, so the old values come back there. For a
//     daily run no later date is processed and the observed values run to the version's end.
//     A version that starts exactly on D (a rerun on corrected data) is updated in place.
//
// Afterwards adjacent pieces with equal values are merged (gaps and islands), which is what
// makes a backfill produce the versions an in-order build produces. Type 1 columns
// (dim_user.signup_ts) and last_observed_date are shared by every version of a key; the
// observation of the latest processed date wins, so a backfill never overwrites newer values
// with older ones. Rerunning a date finds every key "equal" and changes nothing; the dimension
// is not even rewritten.
//
// The merge touches each committed version about twice, not once per step: the versions not
// effective on D (history; few in a daily run) are set apart, and silver(D) is joined once
// with the versions effective on D, a full join: per key its status, and whole rows only for
// the few keys whose rows change — the keys whose versions change (the only ones the cutting
// and merging above ever see), the keys whose only change is a Type 1 value, and the keys
// silver(D) does not hold (their last_observed_date stays). The write then carries every other
// version over joining only those few keys: an observed, unchanged key takes
// last_observed_date D. Silver(D) is not joined a second time, so the build counts that each
// key with a version effective on D was matched once (a repeated key is an input error, below).
// The first build has nothing to join: every key is new, one version each, numbered in (key,
// start) order.
//
// # Stable surrogate keys
//
// A version keeps its key for life: cutting a version keeps the key on its head, extending or
// merging keeps the key of the earliest keyed piece, an in-place update keeps the key. New
// versions get keys above a persisted high-water mark (_state/gold/{dim}.json, written before
// the version that uses them is committed), numbered by (natural key, start) so a build is
// deterministic. A retry of a build that never committed hands out the same keys again
// (dimState.Reserved), so a network fault during a publish leaves no gap. A key that
// disappears (two versions merged after a rerun on corrected data) is never handed out again,
// although it was MAX(sk). Processing dates out of order yields the same versions (business
// columns) as in order; key values may differ.
//
// After each merge the new version is checked before it is published: one Unknown member,
// unique keys, and for the keys whose versions changed (every key when most did, as in the
// first build): non-empty, contiguous versions with exactly one current version and no two
// adjacent equal versions (IntegrityError otherwise). A key silver repeats always breaks one
// of these; the build then names the input as the cause (an InputError: silver must hold one
// row per key), so silver is only searched for repeated keys when a check fails.
//
// # Facts, checks and reports
//
// A fact is staged in a temp table (with internal __ columns its checks use), its checks run
// in SQL, and only if every check passes is D's partition published; otherwise the partition
// of D is withdrawn, the report records the failed checks and the build returns a
// non-retryable *CheckError naming them. Facts resolve dimension keys point in time: the
// version effective on D, else the Unknown member. Reports: gold/_reports/run_date=D/
// {fact}_report.json (metrics, data_quality), {dim}_stats.json, gold_validation_report.json
// (Validate, the validate_gold_outputs task).
package gold
