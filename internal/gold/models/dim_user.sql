-- dim_user: SCD Type 2 on (user_name, country_code); signup_ts is Type 1 (models/scd2.sql).

{{define "source"}}
SELECT user_id, user_name, country_code, signup_ts
FROM silver_users
WHERE user_id IS NOT NULL
{{end}}

{{define "unknown"}}
-- The Unknown member (SPEC §5), in schema order without the audit columns.
SELECT CAST(0 AS BIGINT) AS user_sk,
       '-1' AS user_id,
       'Unknown' AS user_name,
       'XX' AS country_code,
       CAST(NULL AS TIMESTAMP) AS signup_ts,
       TIMESTAMP '1900-01-01 00:00:00' AS effective_start_ts,
       {{.End}} AS effective_end_ts,
       true AS is_current,
       CAST(NULL AS DATE) AS last_observed_date
{{end}}
