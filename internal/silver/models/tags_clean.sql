-- Silver tags, row cleaning: nothing left to clean (normalised before deduplication).
SELECT w.dataset_id,
       w.tag,
       w.tag_original,
       w.tag_id,
       w.first_ingested_date,
       w.last_ingested_date,
       w.source_run_date,
       w.source_file,
       w.source_line,
       CAST(NULL AS STRING) AS __drop
FROM winners_new w
