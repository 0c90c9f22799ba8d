-- Statistics and structural invariants of a dimension's new version (relation next_dim),
-- before it is published.

{{define "stats"}}
SELECT CAST(COUNT(*) AS BIGINT) AS total_records,
       {{if .SCD2}}CAST(SUM(CASE WHEN is_current THEN 1 ELSE 0 END) AS BIGINT) AS current_records,
       CAST(SUM(CASE WHEN is_current THEN 0 ELSE 1 END) AS BIGINT) AS historical_records,
       {{end}}-- Every key has exactly one current version (SCD2) or one row (Type 1): no COUNT(DISTINCT).
       CAST(SUM(CASE WHEN {{.SK}} <> 0{{if .SCD2}} AND is_current{{end}} THEN 1 ELSE 0 END) AS BIGINT) AS {{.Unique}},
       CAST(SUM(CASE WHEN {{.SK}} > {{.HW}} THEN 1 ELSE 0 END) AS BIGINT) AS new_versions,
       CAST(SUM(CASE WHEN {{.SK}} <> 0 AND {{.SK}} <= {{.HW}} AND updated_at = {{.Now}} THEN 1 ELSE 0 END) AS BIGINT) AS updated_versions,
       CAST(MAX({{.SK}}) AS BIGINT) AS max_sk
FROM next_dim
{{end}}

{{define "integrity"}}
-- Every count must be 0, in one pass over next_dim. The version checks of an SCD2 dimension
-- look at the keys whose versions this build changed (hits), which "history" compares in
-- order; the other keys were checked when written and are carried as they were. When every
-- key is checked (.All: most keys changed, e.g. the first build) this pass counts them per
-- row, which is final when each key has one version (checked_versions = checked_keys: a lone
-- version has no neighbour to overlap, leave a gap or equal); only otherwise does "history" run.
-- The surrogate keys lie in [.SKLow, .SKHigh] (their MIN and MAX).
SELECT CAST(COUNT(*) - {{count_distinct_in_range .SK .SKLow .SKHigh}} AS BIGINT) AS duplicate_surrogate_keys,
       CAST(COUNT(CASE WHEN {{.SK}} = 0 THEN 1 END) - 1 AS BIGINT) AS unknown_member_not_unique,
       CAST(COUNT(CASE WHEN {{.SK}} IS NULL OR {{.Key}} IS NULL THEN 1 END) AS BIGINT) AS null_keys
{{- if and .SCD2 .All}},
       CAST(COUNT(CASE WHEN {{.SK}} <> 0 THEN 1 END) AS BIGINT) AS checked_versions,
       CAST({{count_distinct_text (printf "CASE WHEN %s <> 0 THEN CAST(%s AS STRING) END" .SK .Key)}} AS BIGINT) AS checked_keys,
       CAST(COUNT(CASE WHEN {{.SK}} <> 0 AND effective_start_ts >= effective_end_ts THEN 1 END) AS BIGINT) AS empty_versions,
       CAST(0 AS BIGINT) AS gaps_or_overlaps,
       CAST(COUNT(CASE WHEN {{.SK}} <> 0 AND effective_end_ts <> {{.End}} THEN 1 END) AS BIGINT) AS keys_without_current,
       CAST(COUNT(CASE WHEN {{.SK}} <> 0 AND is_current <> (effective_end_ts = {{.End}}) THEN 1 END) AS BIGINT) AS wrong_is_current,
       CAST(0 AS BIGINT) AS unmerged_versions
{{- else if not .SCD2}},
       CAST(COUNT(CASE WHEN {{.SK}} <> 0 THEN 1 END) - {{count_distinct_text (printf "CASE WHEN %s <> 0 THEN CAST(%s AS STRING) END" .SK .Key)}} AS BIGINT) AS duplicate_keys
{{- end}}
FROM next_dim
{{end}}

{{define "history"}}
-- The version checks of an SCD2 dimension in order (see "integrity").
WITH keyed AS (
  SELECT * FROM next_dim
  WHERE {{.SK}} <> 0{{if not .All}} AND {{.Key}} IN (SELECT k FROM hits){{end}}
),
ordered AS (
  SELECT k.effective_start_ts AS s,
         k.effective_end_ts AS e,
         k.is_current,
         LEAD(k.effective_start_ts) OVER (PARTITION BY k.{{.Key}} ORDER BY k.effective_start_ts) AS next_s,
         CASE WHEN LAG(k.effective_start_ts) OVER (PARTITION BY k.{{.Key}} ORDER BY k.effective_start_ts) IS NOT NULL
               AND NOT {{differ_lag "k." .Tracked (printf "PARTITION BY k.%s ORDER BY k.effective_start_ts" .Key)}}
              THEN 1 ELSE 0 END AS unmerged
  FROM keyed k
)
SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE s >= e) AS empty_versions,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE next_s IS NOT NULL AND next_s <> e) AS gaps_or_overlaps,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE next_s IS NULL AND e <> {{.End}}) AS keys_without_current,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE is_current <> (e = {{.End}})) AS wrong_is_current,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE unmerged = 1) AS unmerged_versions
{{end}}
