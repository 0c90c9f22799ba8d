-- Users who signed up on each of the days up to the run date, as dim_user knows them on it.
SELECT CAST(u.signup_ts AS DATE) AS day, COUNT(DISTINCT u.user_id) AS count
FROM gold.dim_user AS u
WHERE u.user_sk <> 0
  AND u.effective_start_ts <= {{.Timestamp}} AND u.effective_end_ts > {{.Timestamp}}
  AND u.signup_ts >= {{.From}} AND u.signup_ts < {{.Until}}
GROUP BY 1
ORDER BY 1
