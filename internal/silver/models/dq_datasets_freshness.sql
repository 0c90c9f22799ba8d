-- Silver DQ, datasets: days since the last update, measured against the run date.
SELECT CAST(COALESCE(SUM(CASE WHEN last_update_days < 30 THEN 1 ELSE 0 END), 0) AS BIGINT) AS under_30_days,
       CAST(COALESCE(SUM(CASE WHEN last_update_days BETWEEN 30 AND 365 THEN 1 ELSE 0 END), 0) AS BIGINT) AS days_30_to_365,
       CAST(COALESCE(SUM(CASE WHEN last_update_days > 365 THEN 1 ELSE 0 END), 0) AS BIGINT) AS over_365_days,
       CAST(COALESCE(SUM(CASE WHEN last_update_days IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS missing_dates
FROM silver_datasets
