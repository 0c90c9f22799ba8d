-- fact_tag_usage_daily (grain: tag × run date). A tag's datasets are counted once each;
-- new_assignments are its (dataset, tag) pairs absent from the silver tags of the previous
-- processed date (NULL on the first date); views and downloads are those of its datasets;
-- share_of_tagged = its datasets / datasets with at least one tag. Tags resolve to dim_tag
-- (Unknown member 0 when missing, grouped into one row).

{{define "build"}}
WITH pairs AS (
  SELECT DISTINCT dataset_id, tag FROM silver_tags WHERE dataset_id IS NOT NULL AND tag IS NOT NULL
),
tagged AS (
  SELECT COUNT(DISTINCT dataset_id) AS n FROM pairs
),
{{- if .HasPrevious}}
prev AS (
  SELECT DISTINCT dataset_id, tag FROM silver_tags_prev
),
{{- end}}
resolved AS (
  SELECT p.dataset_id,
         p.tag,
         t.tag_sk,
         {{if .HasPrevious}}CASE WHEN q.dataset_id IS NULL THEN 1 ELSE 0 END{{else}}CAST(NULL AS INTEGER){{end}} AS is_new
  FROM pairs p
  LEFT JOIN dim_tag t ON t.tag = p.tag AND t.tag_sk <> 0
  {{- if .HasPrevious}}
  LEFT JOIN prev q ON q.dataset_id = p.dataset_id AND q.tag = p.tag
  {{- end}}
),
per_dataset AS (
  -- One row per (resolved tag, dataset): a dataset carrying two unknown tags counts once.
  SELECT COALESCE(r.tag_sk, 0) AS tag_sk,
         r.dataset_id,
         MAX(r.is_new) AS is_new,
         MAX(CASE WHEN r.tag_sk IS NULL THEN 1 ELSE 0 END) AS unknown_tag
  FROM resolved r
  GROUP BY COALESCE(r.tag_sk, 0), r.dataset_id
)
SELECT x.tag_sk,
       CAST({{.DateSK}} AS BIGINT) AS date_sk,
       CAST(COUNT(*) AS BIGINT) AS datasets_count,
       CAST(SUM(x.is_new) AS BIGINT) AS new_assignments,
       CAST(COALESCE(SUM(d.total_views), 0) AS BIGINT) AS total_views,
       CAST(COALESCE(SUM(d.total_downloads), 0) AS BIGINT) AS total_downloads,
       CAST(COUNT(*) AS DOUBLE) / MAX(t.n) AS share_of_tagged,
       {{.D}} AS run_date,
       {{.RunID}} AS pipeline_run_id,
       {{.Now}} AS created_at_ts,
       CAST(SUM(x.unknown_tag) AS BIGINT) AS __unknown_tag_datasets
FROM per_dataset x
CROSS JOIN tagged t
LEFT JOIN silver_datasets d ON d.dataset_id = x.dataset_id
GROUP BY x.tag_sk
{{end}}

{{define "metrics"}}
SELECT CAST(COUNT(*) AS BIGINT) AS total_records,
       CAST(COUNT(DISTINCT CASE WHEN tag_sk <> 0 THEN tag_sk END) AS BIGINT) AS unique_tags,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT DISTINCT dataset_id, tag FROM silver_tags WHERE dataset_id IS NOT NULL AND tag IS NOT NULL) p) AS total_assignments,
       (SELECT CAST(COUNT(DISTINCT dataset_id) AS BIGINT) FROM silver_tags WHERE tag IS NOT NULL) AS datasets_with_tags,
       CAST(SUM(new_assignments) AS BIGINT) AS new_assignments,
       (SELECT CAST(COUNT(DISTINCT tag) AS BIGINT) FROM silver_tags s
        WHERE s.tag IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dim_tag t WHERE t.tag = s.tag AND t.tag_sk <> 0)) AS missing_tag_lookups
FROM fact
{{end}}

{{define "check no_negative_counts"}}
SELECT COUNT(*) FROM fact
WHERE datasets_count < 0 OR new_assignments < 0 OR total_views < 0 OR total_downloads < 0
{{end}}

{{define "check foreign_key_integrity"}}
SELECT (SELECT COUNT(*) FROM fact f
        WHERE f.tag_sk IS NULL
           OR (f.tag_sk <> 0 AND NOT EXISTS (SELECT 1 FROM dim_tag t WHERE t.tag_sk = f.tag_sk)))
     + (SELECT COUNT(*) FROM fact f
        WHERE NOT EXISTS (SELECT 1 FROM dim_date dd WHERE dd.date_sk = f.date_sk))
{{end}}

{{define "check logical_constraints"}}
-- A tag's share of tagged datasets is in (0, 1]; it cannot have more new datasets than datasets.
SELECT COUNT(*) FROM fact
WHERE share_of_tagged <= 0 OR share_of_tagged > 1 OR new_assignments > datasets_count
{{end}}
