-- Silver DQ, users: every user_id once (deduplication's promise).
SELECT COUNT(*) AS total_rows,
       COUNT(DISTINCT user_id) AS unique_user_ids,
       COUNT(*) - COUNT(DISTINCT user_id) AS duplicates,
       CASE WHEN COUNT(*) <> COUNT(DISTINCT user_id) THEN 'duplicate user_id in silver users' END AS __error
FROM silver_users
