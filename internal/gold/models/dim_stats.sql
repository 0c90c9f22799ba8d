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
-- Every count must be 0. The version checks of an SCD2 dimension look at the keys whose
-- versions this build changed (hits.status <> 'same'); the others were checked when written.
WITH keyed AS (
  SELECT * FROM next_dim
  WHERE {{.SK}} <> 0{{if .SCD2}} AND {{.Key}} IN (SELECT k FROM hits WHERE status <> 'same'){{end}}
){{if .SCD2}},
ordered AS (
  SELECT k.effective_start_ts AS s,
         k.effective_end_ts AS e,
         k.is_current,
         LEAD(k.effective_start_ts) OVER (PARTITION BY k.{{.Key}} ORDER BY k.effective_start_ts) AS next_s,
         CASE WHEN LAG(k.effective_start_ts) OVER (PARTITION BY k.{{.Key}} ORDER BY k.effective_start_ts) IS NOT NULL
               AND NOT {{differ_lag "k." .Tracked (printf "PARTITION BY k.%s ORDER BY k.effective_start_ts" .Key)}}
              THEN 1 ELSE 0 END AS unmerged
  FROM keyed k
){{end}}
SELECT (SELECT CAST(COUNT(*) - COUNT(DISTINCT {{.SK}}) AS BIGINT) FROM next_dim) AS duplicate_surrogate_keys,
       (SELECT CAST(COUNT(*) - 1 AS BIGINT) FROM next_dim WHERE {{.SK}} = 0) AS unknown_member_not_unique,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM next_dim WHERE {{.SK}} IS NULL OR {{.Key}} IS NULL) AS null_keys,
{{- if .SCD2}}
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE s >= e) AS empty_versions,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE next_s IS NOT NULL AND next_s <> e) AS gaps_or_overlaps,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE next_s IS NULL AND e <> {{.End}}) AS keys_without_current,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE is_current <> (e = {{.End}})) AS wrong_is_current,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM ordered WHERE unmerged = 1) AS unmerged_versions
{{- else}}
       (SELECT CAST(COUNT(*) - COUNT(DISTINCT {{.Key}}) AS BIGINT) FROM keyed) AS duplicate_keys
{{- end}}
{{end}}
