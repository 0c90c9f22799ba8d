-- dim_tag: Type 1 (models/type1.sql). Silver tags has one row per (dataset, tag) carrying the
-- tag's dataset_count and tag_category; the dimension has one row per tag.

{{define "source"}}
SELECT tag, MAX(tag_category) AS tag_category, MAX(dataset_count) AS dataset_count
FROM silver_tags
WHERE tag IS NOT NULL
GROUP BY tag
{{end}}

{{define "unknown"}}
-- 'Unknown' cannot collide with a real tag: silver tags are lower-case [a-z0-9-].
SELECT CAST(0 AS BIGINT) AS tag_sk,
       'Unknown' AS tag,
       'Unknown' AS tag_category,
       CAST(0 AS BIGINT) AS dataset_count,
       CAST(NULL AS DATE) AS last_observed_date
{{end}}
