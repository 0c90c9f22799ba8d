-- Silver DQ, users: imputed signups, the signup range, and signups after the run date.
SELECT CAST(COALESCE(SUM(CASE WHEN signup_ts_imputed THEN 1 ELSE 0 END), 0) AS BIGINT) AS imputed_signups,
       CAST(MIN(signup_ts) AS STRING) AS min_signup_ts,
       CAST(MAX(signup_ts) AS STRING) AS max_signup_ts,
       CAST(COALESCE(SUM(CASE WHEN CAST(signup_ts AS DATE) > {{.RunDate}} THEN 1 ELSE 0 END), 0) AS BIGINT) AS future_signups
FROM silver_users
