-- bridge_dataset_tag: one row per (dataset, tag) of the run date. dataset_sk is the dim_dataset
-- version effective on the run date; weight = 1 / number of tags of the dataset, so a dataset's
-- weights sum to 1 (allocation of dataset measures across its tags).

{{define "build"}}
WITH pairs AS (
  SELECT DISTINCT dataset_id, tag FROM silver_tags WHERE dataset_id IS NOT NULL AND tag IS NOT NULL
),
resolved AS (
  SELECT p.dataset_id,
         p.tag,
         ds.dataset_sk,
         t.tag_sk,
         COUNT(*) OVER (PARTITION BY p.dataset_id) AS tags_of_dataset
  FROM pairs p
  LEFT JOIN dim_dataset ds
    ON ds.dataset_id = p.dataset_id AND ds.dataset_sk <> 0
   AND ds.effective_start_ts <= {{.TS}} AND {{.TS}} < ds.effective_end_ts
  LEFT JOIN dim_tag t ON t.tag = p.tag AND t.tag_sk <> 0
)
SELECT COALESCE(r.dataset_sk, 0) AS dataset_sk,
       COALESCE(r.tag_sk, 0) AS tag_sk,
       CAST(1 AS DOUBLE) / r.tags_of_dataset AS weight,
       {{.D}} AS run_date,
       {{.RunID}} AS pipeline_run_id,
       {{.Now}} AS created_at_ts,
       r.dataset_id AS __dataset_id,
       r.tag AS __tag,
       r.dataset_sk IS NULL AS __missing_dataset,
       r.tag_sk IS NULL AS __missing_tag
FROM resolved r
{{end}}

{{define "metrics"}}
SELECT CAST(COUNT(*) AS BIGINT) AS total_records,
       CAST(COUNT(DISTINCT __dataset_id) AS BIGINT) AS datasets,
       CAST(COUNT(DISTINCT __tag) AS BIGINT) AS tags,
       CAST(COUNT(DISTINCT CASE WHEN __missing_dataset THEN __dataset_id END) AS BIGINT) AS missing_dataset_lookups,
       CAST(COUNT(DISTINCT CASE WHEN __missing_tag THEN __tag END) AS BIGINT) AS missing_tag_lookups,
       COALESCE(SUM(weight), 0) AS total_weight
FROM fact
{{end}}

{{define "check bridge_weights_sum_to_one"}}
-- Per dataset (by its natural key, so unknown datasets are checked one by one).
SELECT COUNT(*) FROM (
  SELECT __dataset_id, SUM(weight) AS w FROM fact GROUP BY __dataset_id
) s
WHERE s.w IS NULL OR ABS(s.w - 1) > 1e-9
{{end}}

{{define "check no_negative_counts"}}
SELECT COUNT(*) FROM fact WHERE weight IS NULL OR weight <= 0 OR weight > 1
{{end}}

{{define "check foreign_key_integrity"}}
SELECT (SELECT COUNT(*) FROM fact f
        WHERE f.dataset_sk <> 0 AND NOT EXISTS (SELECT 1 FROM dim_dataset d WHERE d.dataset_sk = f.dataset_sk))
     + (SELECT COUNT(*) FROM fact f
        WHERE f.tag_sk <> 0 AND NOT EXISTS (SELECT 1 FROM dim_tag t WHERE t.tag_sk = f.tag_sk))
{{end}}
