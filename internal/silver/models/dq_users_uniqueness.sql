-- Silver DQ, users: every user_id once (deduplication's promise).
SELECT total_rows,
       unique_user_ids,
       total_rows - unique_user_ids AS duplicates,
       CASE WHEN total_rows <> unique_user_ids THEN 'duplicate user_id in silver users' END AS __error
FROM (SELECT COUNT(*) AS total_rows, {{count_distinct_text "user_id"}} AS unique_user_ids FROM silver_users) c
