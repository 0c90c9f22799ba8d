-- Plan tags: one row per element of the JSON array. A row whose Tags is not a JSON array is
-- kept once (its parse reason rejects it); [] and empty values explode to nothing and are
-- counted as datasets_without_tags.
SELECT __ord, __reason, dataset_id, LOWER(TRIM(tag_original)) AS tag, tag_original, __sub
FROM (
  SELECT s.__ord, s.__reason, s.dataset_id,
         {{explode_with_position "l" "tag_original" "__sub"}}
  FROM (SELECT src.*, {{json_string_list "tags"}} AS l FROM src WHERE __reason IS NULL) s
)
UNION ALL
SELECT __ord, __reason, dataset_id, CAST(NULL AS STRING), CAST(NULL AS STRING), 0
FROM src WHERE __reason IS NOT NULL
