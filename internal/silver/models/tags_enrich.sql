-- Silver tags, enrichment (every row, every run date): a tag whose dataset is not in silver
-- datasets of the run date is held back (orphan_dataset); the rest get dataset_count (datasets
-- carrying the tag) and tag_category by strict thresholds, in integer arithmetic so 10 % is
-- exact: popular > popular_pct % of tagged datasets, common > common_pct %, regular >
-- regular_min datasets, else rare.
WITH judged AS (
  SELECT l.*,
         CASE WHEN d.dataset_id IS NULL THEN 'orphan_dataset' END AS __drop
  FROM live l
  LEFT JOIN (SELECT DISTINCT dataset_id FROM silver_datasets) d ON d.dataset_id = l.dataset_id
),
per_tag AS (
  SELECT tag, COUNT(*) AS dataset_count FROM judged WHERE __drop IS NULL GROUP BY tag
),
tagged AS (
  SELECT COUNT(DISTINCT dataset_id) AS n FROM judged WHERE __drop IS NULL
)
SELECT j.*,
       p.dataset_count,
       CASE WHEN j.__drop IS NOT NULL THEN CAST(NULL AS STRING)
            WHEN p.dataset_count * 100 > {{param "popular_pct"}} * t.n THEN 'popular'
            WHEN p.dataset_count * 100 > {{param "common_pct"}} * t.n THEN 'common'
            WHEN p.dataset_count > {{param "regular_min"}} THEN 'regular'
            ELSE 'rare'
       END AS tag_category
FROM judged j
CROSS JOIN tagged t
LEFT JOIN per_tag p ON p.tag = j.tag AND j.__drop IS NULL
