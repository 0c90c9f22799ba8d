package gold

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

const dimDate = "dim_date"

// dimSpec declares a dimension built from one silver table. The SQL is generic (models/scd2.sql,
// models/type1.sql); what differs per dimension is this spec and models/{name}.sql, which holds
// the source query over silver (block "source") and the Unknown member (block "unknown").
type dimSpec struct {
	name   string
	scd2   bool
	source string // silver table
	key    string // natural key
	sk     string // surrogate key
	// tracked are the SCD Type 2 columns (a change starts a new version).
	tracked schema
	// type1 are overwritten in place on every version of the key (for a Type 1 dimension: all
	// attributes).
	type1 schema
	// unique names the distinct-keys metric (the plan's unique_users).
	unique string
}

func dimensionSpecs() map[string]dimSpec {
	return map[string]dimSpec{
		"dim_user": {name: "dim_user", scd2: true, source: "users", key: "user_id", sk: "user_sk",
			tracked: cols("user_name, country_code"), type1: cols("signup_ts TIMESTAMP"), unique: "unique_users"},
		"dim_dataset": {name: "dim_dataset", scd2: true, source: "datasets", key: "dataset_id", sk: "dataset_sk",
			tracked: cols("dataset_title, owner_user_id, is_private BOOLEAN, dataset_type"),
			type1:   cols("dataset_subtitle, created_ts TIMESTAMP"), unique: "unique_datasets"},
		"dim_competition": {name: "dim_competition", source: "competitions", key: "competition_id", sk: "competition_sk",
			type1: cols(`slug, title, host_segment_title, enabled_ts TIMESTAMP, deadline_ts TIMESTAMP, reward_type,
				reward_quantity DOUBLE, num_prizes BIGINT, max_team_size BIGINT`), unique: "unique_competitions"},
		"dim_tag": {name: "dim_tag", source: "tags", key: "tag", sk: "tag_sk",
			type1: cols("tag_category, dataset_count BIGINT"), unique: "unique_tags"},
	}
}

// columns is the dimension's schema: keys, attributes, validity (SCD2), bookkeeping, audit.
func (s dimSpec) columns() schema {
	out := schema{{s.sk, "BIGINT"}, {s.key, "STRING"}}
	out = append(out, s.tracked...)
	out = append(out, s.type1...)
	if s.scd2 {
		out = append(out, cols("effective_start_ts TIMESTAMP, effective_end_ts TIMESTAMP, is_current BOOLEAN")...)
	}
	return append(out, cols("last_observed_date DATE, "+auditCols)...)
}

// dimData is what the dimension models are rendered with.
type dimData struct {
	Key, SK        string
	Tracked, Type1 []string
	D, TS, End     string // the run date, its midnight, the end of time
	Now            string // processing time of this build
	HW             int64  // high-water surrogate key before this build
}

// buildDim merges silver of d into a dimension: read the committed version and silver(d),
// compute the new version in SQL, check its invariants, write the state (high-water key),
// publish, and fill the stats.
func (j *Job) buildDim(ctx context.Context, spec dimSpec, d lake.Date, st *DimStats) error {
	b, err := j.newBuild(ctx, spec.name, d)
	if err != nil {
		return fmt.Errorf("gold %s %s: %w", spec.name, d, err)
	}
	defer b.close()
	if err := b.silver(ctx, spec.source, d); err != nil {
		return b.wrapInput(err)
	}
	sch := spec.columns()
	man, found, err := b.committed(ctx, "dim_committed", DimDir(spec.name), sch)
	if err != nil {
		return b.wrapInput(err)
	}
	state, err := readState(ctx, j.Lake, spec.name)
	if err != nil {
		return b.wrap(err)
	}
	if err := b.create(ctx, "VIEW", "cur", fmt.Sprintf("SELECT * FROM dim_committed WHERE %s <> 0", spec.sk)); err != nil {
		return b.wrap(err)
	}
	var committedMax, committedRows int64
	if err := b.s.QueryRow(ctx, fmt.Sprintf("SELECT CAST(COALESCE(MAX(%s), 0) AS BIGINT), COUNT(*) FROM dim_committed", spec.sk),
		&committedMax, &committedRows); err != nil {
		return b.wrap(err)
	}
	hw := max(state.HighWaterSK, committedMax)
	now := j.now().UTC().Truncate(time.Microsecond)
	data := dimData{Key: spec.key, SK: spec.sk, Tracked: spec.tracked.names(), Type1: spec.type1.names(),
		D: dateLiteral(d), TS: midnight(d), End: endOfTime, Now: tsLiteral(now), HW: hw}

	source, err := j.render(spec.name, "source", data)
	if err != nil {
		return b.wrap(err)
	}
	if err := b.create(ctx, "TABLE", "obs", source); err != nil {
		return b.wrap(err)
	}
	var observed, dups int64
	if err := b.s.QueryRow(ctx, fmt.Sprintf("SELECT COUNT(*), COUNT(*) - COUNT(DISTINCT %s) FROM obs", spec.key), &observed, &dups); err != nil {
		return b.wrap(err)
	}
	if dups > 0 {
		return &InputError{Table: spec.name, RunDate: d.String(),
			Err: fmt.Errorf("silver %s %s has %d duplicate %s values (silver must hold one row per key)", spec.source, d, dups, spec.key)}
	}
	st.Metrics["observed_keys"] = observed

	model := "type1"
	if spec.scd2 {
		model = "scd2"
		if err := b.scd2(ctx, spec, data, state, st); err != nil {
			return err
		}
	} else if err := b.type1(ctx, data); err != nil {
		return err
	}

	// The new version: every row in schema order, the Unknown member included.
	dimSQL, err := j.render(model, "dim", data)
	if err != nil {
		return b.wrap(err)
	}
	unknown, err := j.render(spec.name, "unknown", data)
	if err != nil {
		return b.wrap(err)
	}
	full := fmt.Sprintf(`(
%[1]s
UNION ALL
SELECT u.*, COALESCE(z.created_at, %[2]s) AS created_at, COALESCE(z.updated_at, %[2]s) AS updated_at,
       COALESCE(z.etl_run_date, %[3]s) AS etl_run_date
FROM (%[4]s) u LEFT JOIN (SELECT * FROM dim_committed WHERE %[5]s = 0) z ON true
) n`, dimSQL, data.Now, data.D, unknown, spec.sk)
	// Not sorted: a 25 M-row sort buys nothing (facts join dimensions by natural key, queries by
	// hash join on the surrogate key).
	files, err := b.s.WriteParquet(ctx, sch.project(full), 0)
	if err != nil {
		return b.wrap(err)
	}
	if err := b.create(ctx, "VIEW", "next_dim", sch.project(rowsOf(b.j.Engine.Dialect(), files, sch))); err != nil {
		return b.wrap(err)
	}
	if err := b.integrity(ctx, spec, data); err != nil {
		return err
	}

	stats, err := j.render("dim_stats", "stats", struct {
		dimData
		Unique string
		SCD2   bool
	}{data, spec.unique, spec.scd2})
	if err != nil {
		return b.wrap(err)
	}
	m, err := b.queryObject(ctx, stats)
	if err != nil {
		return b.wrap(err)
	}
	for k, v := range m {
		st.Metrics[k] = v
	}
	total, newVersions, updated := asInt(m["total_records"]), asInt(m["new_versions"]), asInt(m["updated_versions"])
	removed := committedRows - (total - newVersions)
	if !found {
		removed = 0
	}
	st.Metrics["removed_versions"] = removed
	maxSK := max(hw, asInt(m["max_sk"]))
	st.Metrics["high_water_sk"] = maxSK

	publish := !found || newVersions > 0 || updated > 0 || removed != 0
	if !publish {
		// Same rows and keys: only the bookkeeping of what was observed when may have moved.
		n, err := b.count(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM next_dim n JOIN dim_committed c ON c.%[1]s = n.%[1]s
WHERE n.last_observed_date IS DISTINCT FROM c.last_observed_date`, spec.sk))
		if err != nil {
			return b.wrap(err)
		}
		publish = n > 0
	}
	st.Attempt = man.Attempt
	if !publish && state.processed(d) && state.HighWaterSK >= maxSK {
		return nil // a rerun that changes nothing
	}
	state.HighWaterSK = maxSK
	state.add(d)
	// The state (high-water key) is written before the version that uses the keys is
	// committed: a committed key is always covered by the persisted high-water mark.
	if err := j.Lake.PutJSON(ctx, StateKey(spec.name), state); err != nil {
		return b.wrap(err)
	}
	if !publish {
		return nil
	}
	attempt := lake.NewAttemptID(now)
	if _, err := b.publish(ctx, DimDir(spec.name), attempt, files); err != nil {
		return b.wrap(err)
	}
	st.Published, st.Attempt = true, attempt
	return nil
}

// scd2 creates hits (the observation of each key against its version effective on d),
// next_obs (where the history a backfill splits resumes), pieces and versions (models/scd2.sql).
func (b *build) scd2(ctx context.Context, spec dimSpec, data dimData, state dimState, st *DimStats) error {
	q, err := b.j.render("scd2", "hits", data)
	if err != nil {
		return b.wrap(err)
	}
	if err := b.create(ctx, "TABLE", "hits", q); err != nil {
		return b.wrap(err)
	}
	byStatus := map[string]int64{}
	err = b.s.Each(ctx, "SELECT status, COUNT(*) FROM hits GROUP BY status ORDER BY status", func(row []any) error {
		var s string
		var n int64
		err := engine.Scan(row, &s, &n)
		byStatus[s] = n
		return err
	})
	if err != nil {
		return b.wrap(err)
	}
	st.Metrics["new_keys"] = byStatus["new"]
	st.Metrics["changed_keys"] = byStatus["changed"]
	st.Metrics["backfilled_keys"] = byStatus["before"]
	st.Metrics["unchanged_keys"] = byStatus["same"]

	if err := b.nextObservations(ctx, spec, state, byStatus["changed"] > 0); err != nil {
		return err
	}
	for _, step := range []string{"pieces", "versions"} {
		q, err := b.j.render("scd2", step, data)
		if err != nil {
			return b.wrap(err)
		}
		if err := b.create(ctx, "TABLE", step, q); err != nil {
			return b.wrap(err)
		}
	}
	return nil
}

// nextObservations fills next_obs(k, n): for each key whose version effective on d changes,
// the first later processed date n (before that version ends) on which silver observed the key
// again. Only an out-of-order run has later processed dates; the daily run skips this.
func (b *build) nextObservations(ctx context.Context, spec dimSpec, state dimState, changed bool) error {
	// Relations are replaced, never updated in place (a Spark temporary relation cannot be):
	// pending{i} are the keys still without an observation after the i-th later date, found{i}
	// the keys that date observed; next_obs is the union of the found ones.
	var found []string
	later := state.after(b.d)
	pending := "pending0"
	if changed && len(later) > 0 {
		if err := b.create(ctx, "TABLE", pending, "SELECT k, e_end, last_obs FROM hits WHERE status = 'changed'"); err != nil {
			return b.wrap(err)
		}
	}
	for i, l := range later {
		if !changed {
			break
		}
		open := fmt.Sprintf("e_end > %s AND last_obs >= %s", midnight(l), dateLiteral(l))
		n, err := b.count(ctx, "SELECT COUNT(*) FROM "+pending+" WHERE "+open)
		if err != nil {
			return b.wrap(err)
		}
		if n == 0 {
			break // later dates only close more candidates (e_end and last_obs are fixed)
		}
		dir := lake.PartitionDir(lake.Silver, spec.source, l)
		_, observed, err := b.committed(ctx, "silver_later", dir, schema{{spec.key, "STRING"}})
		if err != nil {
			return b.wrapInput(err)
		}
		if !observed {
			b.j.log().Warn("gold: silver of a processed date is gone; its observations are skipped",
				"table", spec.name, "run_date", b.d.String(), "silver", dir)
			continue
		}
		f := fmt.Sprintf("found%d", i)
		if err := b.create(ctx, "TABLE", f, fmt.Sprintf("SELECT p.k, %s AS n FROM %s p WHERE %s AND p.k IN (SELECT %s FROM silver_later)",
			midnight(l), pending, open, spec.key)); err != nil {
			return b.wrap(err)
		}
		found = append(found, f)
		next := fmt.Sprintf("pending%d", i+1)
		if err := b.create(ctx, "TABLE", next, fmt.Sprintf("SELECT * FROM %s WHERE k NOT IN (SELECT k FROM %s)", pending, f)); err != nil {
			return b.wrap(err)
		}
		pending = next
	}
	union := []string{"SELECT CAST(NULL AS STRING) AS k, CAST(NULL AS TIMESTAMP) AS n WHERE false"}
	for _, f := range found {
		union = append(union, "SELECT k, n FROM "+f)
	}
	return b.wrap(b.create(ctx, "TABLE", "next_obs", strings.Join(union, "\nUNION ALL\n")))
}

// type1 creates merged: committed rows full-outer-joined with the observation (models/type1.sql).
func (b *build) type1(ctx context.Context, data dimData) error {
	q, err := b.j.render("type1", "merged", data)
	if err != nil {
		return b.wrap(err)
	}
	return b.wrap(b.create(ctx, "TABLE", "merged", q))
}

// integrity checks the new version's invariants (models/dim_stats.sql "integrity"): one
// Unknown member, unique surrogate keys, and for SCD2 contiguous, non-empty, maximally merged
// versions with exactly one current version per key.
func (b *build) integrity(ctx context.Context, spec dimSpec, data dimData) error {
	q, err := b.j.render("dim_stats", "integrity", struct {
		dimData
		SCD2 bool
	}{data, spec.scd2})
	if err != nil {
		return b.wrap(err)
	}
	m, err := b.queryObject(ctx, q)
	if err != nil {
		return b.wrap(err)
	}
	bad := map[string]int64{}
	for k, v := range m {
		if n := asInt(v); n != 0 {
			bad[k] = n
		}
	}
	if len(bad) > 0 {
		return &IntegrityError{Table: spec.name, RunDate: b.d.String(), Violations: bad}
	}
	return nil
}

func (b *build) wrapInput(err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return b.wrap(err)
}

// asInt reads an integer metric (engine values arrive as int64, int32, float64 …).
func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}
