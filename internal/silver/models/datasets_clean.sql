-- Silver datasets, row cleaning (once, when a bronze row wins). updated_ts is a sort key of
-- deduplication and is never imputed: a missing date is flagged. Missing counters are 0,
-- a missing privacy flag is false; each imputation is flagged.
SELECT w.dataset_id,
       w.dataset_title,
       w.dataset_subtitle,
       w.owner_user_id,
       w.creator_user_id,
       w.owner_organization_id,
       w.current_dataset_version_id,
       w.dataset_type,
       w.created_ts,
       w.updated_ts,
       (w.created_ts IS NULL OR w.updated_ts IS NULL) AS has_missing_dates,
       COALESCE(w.is_private, false) AS is_private,
       w.is_private IS NULL AS is_private_imputed,
       COALESCE(w.total_views, 0) AS total_views,
       w.total_views IS NULL AS total_views_imputed,
       COALESCE(w.total_downloads, 0) AS total_downloads,
       w.total_downloads IS NULL AS total_downloads_imputed,
       CASE WHEN COALESCE(w.total_downloads, 0) > 0
            THEN CAST(COALESCE(w.total_views, 0) AS DOUBLE) / CAST(w.total_downloads AS DOUBLE)
       END AS views_downloads_ratio,
       w.total_votes,
       w.total_kernels,
       w.medal,
       w.medal_award_date,
       w.first_ingested_date,
       w.last_ingested_date,
       w.source_run_date,
       w.source_file,
       w.source_line,
       CAST(NULL AS STRING) AS __drop
FROM winners_new w
