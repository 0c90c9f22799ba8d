-- The 20 tags carried by the most datasets on the run date (ties by tag).
SELECT t.tag AS name, f.datasets_count AS count
FROM gold.fact_tag_usage_daily AS f
JOIN gold.dim_tag AS t ON t.tag_sk = f.tag_sk
WHERE f.run_date = {{.Date}} AND f.tag_sk <> 0
ORDER BY f.datasets_count DESC, t.tag
LIMIT 20
