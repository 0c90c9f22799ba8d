-- Generic SCD Type 2 merge of one run date's observation into a dimension (see doc.go).
-- Relations: cur (the committed versions, Unknown member excluded), obs (silver of D, one row
-- per key: the key, the tracked columns, the Type 1 columns), next_obs (k, n: where the history
-- split by an out-of-order observation resumes; empty for a daily run).
-- Versions are half-open [effective_start_ts, effective_end_ts); the current one ends at the
-- end of time. Every version of a key shares its Type 1 values and last_observed_date (the
-- latest processed run date on which silver showed the key).
--
-- Built in this order: past, seen, hits, (next_obs), pieces, merged (as merged_versions),
-- versions, dim. seen (a view) is silver(D)'s one join with the dimension: a full join of the
-- observed keys with the versions effective on D, judging each key. Only the few keys whose
-- rows change are kept (hits): those whose versions change, which the cutting and merging read
-- with past alone, and those whose carried versions change otherwise (a new Type 1 value, or
-- not observed, so last_observed_date stays). The write carries every other version over,
-- joining only hits: the keys outside hits are observed, unchanged, and take last_observed_date
-- D. Keeping seen for millions of unchanged keys cost more than a second join (it spilled at
-- 25 M keys), and the second join of silver(D) with the dimension cost more than the full
-- join. The first build (nothing committed: .Carry false) has nothing to join or carry: seen
-- is then silver(D), every key new.

{{define "past"}}
-- The committed versions not effective on D (history, or versions after D): few in a daily
-- run. A key without a version effective on D has all its versions here.
SELECT * FROM cur
WHERE NOT COALESCE(effective_start_ts <= {{.TS}} AND {{.TS}} < effective_end_ts, false)
{{end}}

{{define "seen"}}
-- One row per observed key, and per key with a version effective on D that silver(D) does not
-- hold: its status — new (no version), before (history starts after D: a backfill), same,
-- type1 (same, but a Type 1 value changes), changed (the version effective on D has other
-- tracked values), unseen (not observed) — its Type 1 values (n_*) and last_observed_date
-- (last_obs_new) from D on; for a key not same also its observation (o_*) and its version
-- effective on D (e_*, u_* its Type 1 values), NULL for the others (most keys: only the status
-- is read for them).
{{- if .Carry}}
WITH eff AS (
  SELECT COALESCE(o.{{.Key}}, e.{{.Key}}) AS k,
         o.o_seen,
         {{renamed "o." "o_" .Tracked}},
         {{range .Type1}}o.{{.}} AS o_{{.}}, {{end}}
         e.{{.SK}} AS e_sk,
         e.effective_start_ts AS e_start,
         e.effective_end_ts AS e_end,
         {{renamed "e." "e_" .Tracked}},
         {{range .Type1}}e.{{.}} AS u_{{.}}, {{end}}
         e.last_observed_date AS e_last_obs,
         e.created_at AS e_created_at,
         e.updated_at AS e_updated_at,
         e.etl_run_date AS e_etl_run_date
  FROM (SELECT x.*, true AS o_seen FROM obs x) o
  FULL JOIN (SELECT * FROM cur WHERE effective_start_ts <= {{.TS}} AND {{.TS}} < effective_end_ts) e
    ON e.{{.Key}} = o.{{.Key}}
),
later AS (
  SELECT c.{{.Key}} AS k,
         MIN(c.effective_start_ts) AS first_start,
         MAX(c.last_observed_date) AS last_obs,
         {{range .Type1}}MAX(c.{{.}}) AS u_{{.}},
         {{end}}COUNT(*) AS versions
  FROM past c
  GROUP BY c.{{.Key}}
),
joined AS (
  SELECT f.*,
         CASE WHEN f.e_sk IS NULL THEN l.k END AS l_k,
         CASE WHEN f.e_sk IS NULL THEN l.first_start END AS first_start,
         {{range .Type1}}CASE WHEN f.e_sk IS NOT NULL THEN f.u_{{.}} ELSE l.u_{{.}} END AS x_{{.}},
         {{end}}CASE WHEN f.e_sk IS NOT NULL THEN f.e_last_obs ELSE l.last_obs END AS last_obs
  FROM eff f
  LEFT JOIN later l ON l.k = f.k
),
judged AS (
  SELECT j.*,
         CASE WHEN j.o_seen IS NULL THEN 'unseen'
              WHEN j.e_sk IS NULL AND j.l_k IS NULL THEN 'new'
              WHEN j.e_sk IS NULL THEN 'before'
              WHEN {{differ "j.o_" "j.e_" .Tracked}} THEN 'changed'
              ELSE 'same' END AS status
  FROM joined j
),
typed AS (
  SELECT j.*,
         -- Type 1: the observation of the latest processed date wins, whatever the processing
         -- order. An unseen key keeps its own values and last_observed_date.
         {{range .Type1}}CASE WHEN j.status <> 'unseen' AND (j.last_obs IS NULL OR {{$.D}} >= j.last_obs) THEN j.o_{{.}} ELSE j.x_{{.}} END AS n_{{.}},
         {{end}}CASE WHEN j.status = 'unseen' OR j.last_obs > {{.D}} THEN j.last_obs ELSE {{.D}} END AS last_obs_new
  FROM judged j
)
SELECT j.k,
       CASE WHEN j.status = 'same' AND {{differ "j.n_" "j.x_" .Type1}} THEN 'type1' ELSE j.status END AS status,
       {{range .Type1}}j.n_{{.}},
       {{end}}j.last_obs_new,
       {{range .Tracked}}CASE WHEN j.status <> 'same' THEN j.o_{{.}} END AS o_{{.}},
       {{end}}CASE WHEN j.status <> 'same' THEN j.e_sk END AS e_sk,
       CASE WHEN j.status <> 'same' THEN j.e_start END AS e_start,
       CASE WHEN j.status <> 'same' THEN j.e_end END AS e_end,
       {{range .Tracked}}CASE WHEN j.status <> 'same' THEN j.e_{{.}} END AS e_{{.}},
       {{end}}CASE WHEN j.status <> 'same' THEN j.first_start END AS first_start,
       CASE WHEN j.status <> 'same' THEN j.last_obs END AS last_obs,
       {{range .Type1}}CASE WHEN j.status <> 'same' THEN j.u_{{.}} END AS u_{{.}},
       {{end}}CASE WHEN j.status <> 'same' THEN j.e_created_at END AS e_created_at,
       CASE WHEN j.status <> 'same' THEN j.e_updated_at END AS e_updated_at,
       CASE WHEN j.status <> 'same' THEN j.e_etl_run_date END AS e_etl_run_date
FROM typed j
{{- else}}
SELECT o.{{.Key}} AS k, 'new' AS status,
       {{range .Type1}}o.{{.}} AS n_{{.}},
       {{end}}{{.D}} AS last_obs_new,
       {{renamed "o." "o_" .Tracked}},
       CAST(NULL AS BIGINT) AS e_sk,
       CAST(NULL AS TIMESTAMP) AS e_start,
       CAST(NULL AS TIMESTAMP) AS e_end,
       {{range .Tracked}}CASE WHEN false THEN o.{{.}} END AS e_{{.}},
       {{end}}CAST(NULL AS TIMESTAMP) AS first_start,
       CAST(NULL AS DATE) AS last_obs,
       {{range .Type1}}CASE WHEN false THEN o.{{.}} END AS u_{{.}},
       {{end}}CAST(NULL AS TIMESTAMP) AS e_created_at,
       CAST(NULL AS TIMESTAMP) AS e_updated_at,
       CAST(NULL AS DATE) AS e_etl_run_date
FROM obs o
{{- end}}
{{end}}

{{define "hits"}}
-- The keys whose versions change (status new, before or changed: the rest of the merge reads
-- only these), and the few whose carried versions change otherwise (type1, unseen), which the
-- write reads instead of joining silver(D) again.
SELECT * FROM seen WHERE status <> 'same'
{{end}}

{{define "pieces"}}
-- The history of every key whose versions change (status before or changed) cut into pieces:
-- its untouched versions, the head of the version effective on D (kept up to D, with its key),
-- the observed values from D to where the history resumes, and the tail of the split version
-- from there (a new key). A version that starts exactly on D and changes (a rerun on changed
-- data) is updated in place: its piece keeps its key.
SELECT c.{{.Key}} AS k, c.{{.SK}} AS sk, {{renamed "c." "v_" .Tracked}},
       c.effective_start_ts AS s, c.effective_end_ts AS e
FROM past c
JOIN hits h ON h.k = c.{{.Key}}
WHERE h.status IN ('before', 'changed') AND (h.e_sk IS NULL OR c.{{.SK}} <> h.e_sk)
UNION ALL
SELECT h.k, h.e_sk, {{renamed "h.e_" "v_" .Tracked}}, h.e_start, {{.TS}}
FROM hits h
WHERE h.status = 'changed' AND h.e_start < {{.TS}}
UNION ALL
SELECT h.k,
       CASE WHEN h.status = 'changed' AND h.e_start = {{.TS}} THEN h.e_sk END,
       {{renamed "h.o_" "v_" .Tracked}},
       {{.TS}},
       COALESCE(x.n, CASE WHEN h.status = 'changed' THEN h.e_end ELSE h.first_start END)
FROM hits h
LEFT JOIN next_obs x ON x.k = h.k
WHERE h.status IN ('before', 'changed')
UNION ALL
SELECT h.k, CAST(NULL AS BIGINT), {{renamed "h.e_" "v_" .Tracked}}, x.n, h.e_end
FROM hits h
JOIN next_obs x ON x.k = h.k
WHERE h.status = 'changed'
{{end}}

{{define "merged"}}
-- Adjacent pieces with equal tracked values merge into one version (so a backfill yields the
-- versions an in-order build yields); a merged version keeps the key of its earliest keyed
-- piece. Versions without a key (sk NULL), and keys seen for the first time, get their keys in
-- "versions".
WITH flagged AS (
  SELECT p.*,
         CASE WHEN LAG(p.s) OVER (PARTITION BY p.k ORDER BY p.s) IS NULL
                OR {{differ_lag "p.v_" .Tracked "PARTITION BY p.k ORDER BY p.s"}}
              THEN 1 ELSE 0 END AS brk
  FROM pieces p
),
islands AS (
  SELECT f.*,
         SUM(f.brk) OVER (PARTITION BY f.k ORDER BY f.s ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
  FROM flagged f
),
ranked AS (
  SELECT i.*,
         MIN(i.s) OVER (PARTITION BY i.k, i.island) AS vs,
         MAX(i.e) OVER (PARTITION BY i.k, i.island) AS ve,
         ROW_NUMBER() OVER (PARTITION BY i.k, i.island
                            ORDER BY CASE WHEN i.sk IS NULL THEN 1 ELSE 0 END, i.s) AS pick
  FROM islands i
),
merged AS (
  SELECT r.k, r.sk, {{cols "r.v_" .Tracked}}, r.vs AS s, r.ve AS e,
         {{range .Type1}}h.n_{{.}}, {{end}}h.last_obs_new
  FROM ranked r
  JOIN hits h ON h.k = r.k
  WHERE r.pick = 1
  UNION ALL
  SELECT h.k, CAST(NULL AS BIGINT), {{renamed "h.o_" "v_" .Tracked}}, {{.TS}}, {{.End}},
         {{range .Type1}}h.n_{{.}}, {{end}}h.last_obs_new
  FROM hits h
  WHERE h.status = 'new'
)
SELECT * FROM merged
{{end}}

{{define "versions"}}
-- The merged versions, those without a key numbered after the high-water mark by (key, start).
-- The numbering sorts only (key, start), which then join back: sorting whole rows costs twice
-- as much (and spills at 25 M keys, when every key is new). A key's versions start at different
-- times, so (k, s) names one version. merged_versions is a view, read twice (a CTE read twice
-- would be materialised whole first). In the first build (nothing committed: not .Carry) every
-- version is a new key's only one, so the key alone names it: the join on (k, s) cost half as
-- much again as the write of 25 M new keys (17.0 s against 11.3 s: BENCHMARKS.md, session 10).
-- (A key silver repeats fans out alike either way, its rows sharing s; the integrity checks
-- catch the repeated versions.)
WITH numbered AS (
  SELECT m.k, m.s, {{.HW}} + ROW_NUMBER() OVER (ORDER BY m.k, m.s) AS sk
  FROM merged_versions m
  WHERE m.sk IS NULL
)
SELECT m.k,
       COALESCE(m.sk, n.sk) AS sk,
       {{cols "m.v_" .Tracked}},
       m.s, m.e,
       {{range .Type1}}m.n_{{.}}, {{end}}m.last_obs_new
FROM merged_versions m
LEFT JOIN numbered n ON n.k = m.k{{if .Carry}} AND n.s = m.s{{end}}
{{end}}

{{define "dim"}}
-- Keys whose versions did not change keep them (Type 1 values and last_observed_date updated
-- when observed); changed keys take their merged versions. Audit columns move only when a
-- business column of the row changed. (.Carry: there are committed versions to keep.)
{{- if .Carry}}
SELECT c.{{.SK}}, c.{{.Key}}, {{cols "c." .Tracked}},
       {{range .Type1}}c.n_{{.}} AS {{.}},
       {{end}}c.effective_start_ts, c.effective_end_ts, c.is_current,
       c.last_obs_new AS last_observed_date,
       c.created_at,
       CASE WHEN {{differ "c." "c.n_" .Type1}} THEN {{.Now}} ELSE c.updated_at END AS updated_at,
       CASE WHEN {{differ "c." "c.n_" .Type1}} THEN {{.D}} ELSE c.etl_run_date END AS etl_run_date
FROM (
  -- The versions of the keys whose versions do not change. Observed with the same tracked
  -- values and Type 1 values (status same, not in hits: most keys) they take last_observed_date
  -- D unless a later date observed them; type1 keys take their new Type 1 values from hits;
  -- unseen keys (silver(D) does not hold them) stay as they are. Keys with no version effective
  -- on D are either observed (status before: their versions change) or, unobserved, were
  -- observed only after D: they stay as they are too. Every version of a key shares its Type 1
  -- values and last_observed_date, so the row's own are its key's. Only hits is joined: no
  -- second join of silver(D) with the dimension.
  SELECT c.*,
         {{range .Type1}}CASE WHEN t.status = 'type1' THEN t.n_{{.}} ELSE c.{{.}} END AS n_{{.}},
         {{end}}CASE WHEN t.status = 'unseen' OR c.last_observed_date > {{.D}} THEN c.last_observed_date ELSE {{.D}} END AS last_obs_new
  FROM cur c
  LEFT JOIN hits t ON t.k = c.{{.Key}}
  WHERE t.k IS NULL OR t.status IN ('type1', 'unseen')
) c
UNION ALL
{{- end}}
SELECT v.sk AS {{.SK}}, v.k AS {{.Key}}, {{renamed "v.v_" "" .Tracked}},
       {{range .Type1}}v.n_{{.}} AS {{.}},
       {{end}}v.s AS effective_start_ts, v.e AS effective_end_ts, v.e = {{.End}} AS is_current,
       v.last_obs_new AS last_observed_date,
       COALESCE(c.created_at, {{.Now}}) AS created_at,
       CASE WHEN c.{{.SK}} IS NULL OR c.effective_start_ts <> v.s OR c.effective_end_ts <> v.e
              OR {{differ "c." "v.v_" .Tracked}} OR {{differ "c." "v.n_" .Type1}}
            THEN {{.Now}} ELSE c.updated_at END AS updated_at,
       CASE WHEN c.{{.SK}} IS NULL OR c.effective_start_ts <> v.s OR c.effective_end_ts <> v.e
              OR {{differ "c." "v.v_" .Tracked}} OR {{differ "c." "v.n_" .Type1}}
            THEN {{.D}} ELSE c.etl_run_date END AS etl_run_date
FROM versions v
-- The committed versions a merged version can keep the key of: the changed keys' versions.
LEFT JOIN (
  SELECT p.{{.SK}}, p.effective_start_ts, p.effective_end_ts, {{cols "p." .Tracked}},
         {{range .Type1}}p.{{.}}, {{end}}p.created_at, p.updated_at, p.etl_run_date
  FROM past p
  UNION ALL
  SELECT h.e_sk, h.e_start, h.e_end, {{renamed "h.e_" "" .Tracked}},
         {{range .Type1}}h.u_{{.}}, {{end}}h.e_created_at, h.e_updated_at, h.e_etl_run_date
  FROM hits h
  WHERE h.status = 'changed'
) c ON c.{{.SK}} = v.sk
{{end}}
