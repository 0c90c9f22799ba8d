-- Silver kernels, enrichment (every row, every run date): the author from silver users of the
-- same run date, the kernel's age against the run date.
SELECT s.*,
       u.user_id IS NOT NULL AS author_matched,
       COALESCE(u.user_name, 'Unknown') AS author_name,
       COALESCE(u.country_code, 'XX') AS author_country,
       {{days_between "s.created_ts" .RunDate}} AS kernel_age_days,
       CAST(NULL AS STRING) AS __drop
FROM live s
LEFT JOIN silver_users u ON u.user_id = s.author_user_id
