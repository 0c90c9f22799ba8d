-- Silver DQ, datasets: how many datasets found their owner in silver users of the run date.
SELECT COUNT(*) AS total_datasets,
       CAST(COALESCE(SUM(CASE WHEN owner_matched THEN 1 ELSE 0 END), 0) AS BIGINT) AS matched_owners,
       CAST(COALESCE(SUM(CASE WHEN owner_matched THEN 0 ELSE 1 END), 0) AS BIGINT) AS unmatched_owners,
       CASE WHEN COUNT(*) > 0
            THEN ROUND(CAST(SUM(CASE WHEN owner_matched THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*), 4)
       END AS owner_match_rate,
       CASE WHEN COUNT(*) <> COUNT(DISTINCT dataset_id) THEN 'duplicate dataset_id in silver datasets' END AS __error
FROM silver_datasets
