-- Silver DQ, datasets: private vs public datasets with their average views and downloads.
SELECT CASE WHEN is_private THEN 'private' ELSE 'public' END AS visibility,
       COUNT(*) AS datasets,
       ROUND(AVG(total_views), 2) AS avg_views,
       ROUND(AVG(total_downloads), 2) AS avg_downloads
FROM silver_datasets
GROUP BY 1
ORDER BY 1
