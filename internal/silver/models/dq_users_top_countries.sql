-- Silver DQ, users: the ten most frequent country codes ('XX' = missing, flagged) with their
-- share of all users in percent; ties by code.
SELECT country_code,
       COUNT(*) AS users,
       ROUND(100.0 * COUNT(*) / (SELECT COUNT(*) FROM silver_users), 2) AS percentage
FROM silver_users
GROUP BY country_code
ORDER BY users DESC, country_code ASC
LIMIT 10
