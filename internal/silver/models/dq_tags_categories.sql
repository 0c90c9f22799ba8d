-- Silver DQ, tags: per category, distinct tags, assignments and average datasets per tag.
SELECT tag_category,
       COUNT(DISTINCT tag) AS unique_tags,
       COUNT(*) AS assignments,
       ROUND(CAST(COUNT(*) AS DOUBLE) / COUNT(DISTINCT tag), 2) AS avg_datasets_per_tag
FROM silver_tags
GROUP BY tag_category
ORDER BY CASE tag_category WHEN 'popular' THEN 1 WHEN 'common' THEN 2 WHEN 'regular' THEN 3 ELSE 4 END
