-- How many owners have 1, 2, 3-5 … datasets on the run date (the unknown owner, SK 0, aside).
SELECT CASE
         WHEN datasets_count <= 1 THEN 1
         WHEN datasets_count = 2 THEN 2
         WHEN datasets_count <= 5 THEN 3
         WHEN datasets_count <= 10 THEN 4
         WHEN datasets_count <= 20 THEN 5
         WHEN datasets_count <= 50 THEN 6
         WHEN datasets_count <= 100 THEN 7
         ELSE 8
       END AS bucket,
       COUNT(*) AS owners,
       SUM(datasets_count) AS datasets,
       MAX(datasets_count) AS max_datasets
FROM gold.fact_dataset_owner_daily
WHERE run_date = {{.Date}} AND user_sk <> 0
GROUP BY 1
ORDER BY 1
