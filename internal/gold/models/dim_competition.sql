-- dim_competition: Type 1 (models/type1.sql).

{{define "source"}}
SELECT competition_id, slug, title, host_segment_title, enabled_ts, deadline_ts, reward_type,
       reward_quantity, num_prizes, max_team_size
FROM silver_competitions
WHERE competition_id IS NOT NULL
{{end}}

{{define "unknown"}}
SELECT CAST(0 AS BIGINT) AS competition_sk,
       '-1' AS competition_id,
       'unknown' AS slug,
       'Unknown' AS title,
       'Unknown' AS host_segment_title,
       CAST(NULL AS TIMESTAMP) AS enabled_ts,
       CAST(NULL AS TIMESTAMP) AS deadline_ts,
       CAST(NULL AS STRING) AS reward_type,
       CAST(NULL AS DOUBLE) AS reward_quantity,
       CAST(NULL AS BIGINT) AS num_prizes,
       CAST(NULL AS BIGINT) AS max_team_size,
       CAST(NULL AS DATE) AS last_observed_date
{{end}}
