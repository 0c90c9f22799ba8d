-- Silver DQ, tags: distinct normalised tags vs the distinct originals they came from.
SELECT COUNT(DISTINCT tag) AS unique_normalised_tags,
       COUNT(DISTINCT tag_original) AS unique_original_tags,
       COUNT(*) AS total_assignments,
       CASE WHEN COUNT(*) <> (SELECT COUNT(*) FROM (SELECT DISTINCT dataset_id, tag FROM silver_tags) k)
            THEN 'duplicate (dataset_id, tag) in silver tags' END AS __error
FROM silver_tags
