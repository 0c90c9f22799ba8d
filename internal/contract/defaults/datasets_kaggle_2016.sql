-- Meta Kaggle 2016: no owner, type or last-activity columns. The creator owns the dataset;
-- updated_ts is unknown (NULL, flagged downstream), never invented.
SELECT {{cols "s"}},
       v.title AS dataset_title,
       v.subtitle AS dataset_subtitle,
       s.creator_user_id AS owner_user_id,
       CAST(NULL AS STRING) AS dataset_type,
       CAST(NULL AS TIMESTAMP) AS updated_ts,
       CAST(false AS BOOLEAN) AS __updated_ts_date_only,
       CAST(false AS BOOLEAN) AS is_private
FROM src s
LEFT JOIN lk_dataset_versions v ON v.version_id = s.current_dataset_version_id
