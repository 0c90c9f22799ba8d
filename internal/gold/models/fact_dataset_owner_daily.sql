-- fact_dataset_owner_daily (grain: owner × run date). The owner's user_sk is the dim_user
-- version effective on the run date (point in time: start <= D < end), not the current one;
-- owners without such a version resolve to the Unknown member (0), and rows are grouped by the
-- resolved key, so all unknown owners make one SK 0 row.

{{define "build"}}
WITH resolved AS (
  SELECT d.owner_user_id,
         d.is_private,
         d.total_views,
         d.total_downloads,
         d.views_downloads_ratio,
         u.user_sk
  FROM silver_datasets d
  LEFT JOIN dim_user u
    ON u.user_id = d.owner_user_id AND u.user_sk <> 0
   AND u.effective_start_ts <= {{.TS}} AND {{.TS}} < u.effective_end_ts
)
SELECT COALESCE(r.user_sk, 0) AS user_sk,
       CAST({{.DateSK}} AS BIGINT) AS date_sk,
       CAST(COUNT(*) AS BIGINT) AS datasets_count,
       CAST(SUM(CASE WHEN r.is_private THEN 1 ELSE 0 END) AS BIGINT) AS private_datasets_count,
       CAST(SUM(CASE WHEN NOT r.is_private THEN 1 ELSE 0 END) AS BIGINT) AS public_datasets_count,
       CAST(COALESCE(SUM(r.total_views), 0) AS BIGINT) AS total_views,
       CAST(COALESCE(SUM(r.total_downloads), 0) AS BIGINT) AS total_downloads,
       -- Rounded: a sum of non-integer doubles depends on the order it is added in, which
       -- differs between engines and between DuckDB's threads (last-bit differences at 1 M
       -- users); nine decimals make the value the same whatever the order.
       ROUND(AVG(r.views_downloads_ratio), 9) AS avg_views_downloads_ratio,
       {{.D}} AS run_date,
       {{.RunID}} AS pipeline_run_id,
       {{.Now}} AS created_at_ts,
       CAST(COUNT(DISTINCT CASE WHEN r.user_sk IS NULL THEN r.owner_user_id END) AS BIGINT) AS __missing_owners,
       CAST(SUM(CASE WHEN r.user_sk IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS __unknown_owner_datasets
FROM resolved r
GROUP BY COALESCE(r.user_sk, 0)
{{end}}

{{define "metrics"}}
SELECT CAST(COUNT(*) AS BIGINT) AS total_records,
       CAST(COUNT(DISTINCT user_sk) AS BIGINT) AS unique_owners,
       CAST(COALESCE(SUM(__missing_owners), 0) AS BIGINT) AS missing_user_lookups,
       CAST(COALESCE(SUM(__unknown_owner_datasets), 0) AS BIGINT) AS datasets_with_unknown_owner,
       CAST(COALESCE(SUM(datasets_count), 0) AS BIGINT) AS total_datasets,
       CAST(COALESCE(SUM(private_datasets_count), 0) AS BIGINT) AS private_datasets,
       CAST(COALESCE(SUM(public_datasets_count), 0) AS BIGINT) AS public_datasets,
       CAST(COALESCE(SUM(total_views), 0) AS BIGINT) AS total_views,
       CAST(COALESCE(SUM(total_downloads), 0) AS BIGINT) AS total_downloads
FROM fact
{{end}}

{{define "check total_equals_private_plus_public"}}
SELECT COUNT(*) FROM fact
WHERE datasets_count IS DISTINCT FROM private_datasets_count + public_datasets_count
{{end}}

{{define "check no_negative_counts"}}
SELECT COUNT(*) FROM fact
WHERE datasets_count < 0 OR private_datasets_count < 0 OR public_datasets_count < 0
   OR total_views < 0 OR total_downloads < 0
{{end}}

{{define "check foreign_key_integrity"}}
-- SK 0 (Unknown) is allowed; every other key must exist in its dimension.
SELECT (SELECT COUNT(*) FROM fact f
        WHERE f.user_sk IS NULL
           OR (f.user_sk <> 0 AND NOT EXISTS (SELECT 1 FROM dim_user u WHERE u.user_sk = f.user_sk)))
     + (SELECT COUNT(*) FROM fact f
        WHERE NOT EXISTS (SELECT 1 FROM dim_date dd WHERE dd.date_sk = f.date_sk))
{{end}}
