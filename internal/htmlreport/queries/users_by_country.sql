-- Users per country as of the run date: the dim_user version effective on it (point in time),
-- every country ('XX' is no country); the report keeps the top 15.
SELECT u.country_code AS name, COUNT(DISTINCT u.user_id) AS count
FROM gold.dim_user AS u
WHERE u.user_sk <> 0
  AND u.effective_start_ts <= {{.Timestamp}} AND u.effective_end_ts > {{.Timestamp}}
GROUP BY u.country_code
ORDER BY count DESC, name
