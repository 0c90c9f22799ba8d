-- Silver users, row cleaning: applied once, to a bronze row when it wins deduplication.
-- country_code is upper(trim)'d; missing → DROP (plan) or 'XX' + country_missing (kaggle), by
-- the contract param __missing_country; anything but two letters A-Z → DROP. A missing
-- signup_ts is the run date on which the user was first ingested.
SELECT w.user_id,
       w.user_name,
       w.display_name,
       w.performance_tier,
       CASE WHEN w.cc IS NULL THEN 'XX' ELSE w.cc END AS country_code,
       w.cc IS NULL AS country_missing,
       w.country_name,
       COALESCE(w.signup_ts, CAST(w.first_ingested_date AS TIMESTAMP)) AS signup_ts,
       w.signup_ts IS NULL AS signup_ts_imputed,
       w.first_ingested_date,
       w.last_ingested_date,
       w.source_run_date,
       w.source_file,
       w.source_line,
       CASE WHEN w.cc IS NULL AND w.__missing_country = 'drop' THEN 'no_country'
            WHEN w.cc IS NOT NULL AND NOT {{matches "w.cc" "[A-Z]{2}"}} THEN 'invalid_country'
       END AS __drop
FROM (SELECT winners_new.*, NULLIF(UPPER(TRIM(country_code)), '') AS cc FROM winners_new) w
