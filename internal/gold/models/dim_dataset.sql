-- dim_dataset: SCD Type 2 on (dataset_title, owner_user_id, is_private, dataset_type);
-- dataset_subtitle and created_ts are Type 1 (models/scd2.sql).

{{define "source"}}
SELECT dataset_id, dataset_title, owner_user_id, is_private, dataset_type, dataset_subtitle, created_ts
FROM silver_datasets
WHERE dataset_id IS NOT NULL
{{end}}

{{define "unknown"}}
SELECT CAST(0 AS BIGINT) AS dataset_sk,
       '-1' AS dataset_id,
       'Unknown' AS dataset_title,
       '-1' AS owner_user_id,
       CAST(NULL AS BOOLEAN) AS is_private,
       'Unknown' AS dataset_type,
       CAST(NULL AS STRING) AS dataset_subtitle,
       CAST(NULL AS TIMESTAMP) AS created_ts,
       TIMESTAMP '1900-01-01 00:00:00' AS effective_start_ts,
       {{.End}} AS effective_end_ts,
       true AS is_current,
       CAST(NULL AS DATE) AS last_observed_date
{{end}}
