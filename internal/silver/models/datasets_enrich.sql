-- Silver datasets, enrichment (every row, every run date): the owner from silver users of the
-- same run date (one row per user_id, so a dataset never fans out), ages against the run date.
SELECT s.*,
       u.user_id IS NOT NULL AS owner_matched,
       COALESCE(u.user_name, 'Unknown') AS owner_name,
       COALESCE(u.country_code, 'XX') AS owner_country,
       {{days_between "s.created_ts" .RunDate}} AS dataset_age_days,
       {{days_between "s.updated_ts" .RunDate}} AS last_update_days,
       CAST(NULL AS STRING) AS __drop
FROM live s
LEFT JOIN silver_users u ON u.user_id = s.owner_user_id
