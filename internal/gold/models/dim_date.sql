-- dim_date: one row per day from .Start to .End (SPEC §5). date_sk is the date as yyyymmdd;
-- no Unknown member. Fiscal years start on 1 July and are named by their start year (the
-- plan's convention: 2024-01-01 is FY 2023 Q3). Holidays are Vietnam's fixed public holidays.

{{define "build"}}
WITH days AS (
  SELECT d,
         CAST(EXTRACT(YEAR FROM d) AS INTEGER) AS y,
         CAST(EXTRACT(MONTH FROM d) AS INTEGER) AS m,
         CAST(EXTRACT(DAY FROM d) AS INTEGER) AS dd,
         CAST({{iso_dow "d"}} AS INTEGER) AS dow
  FROM {{date_series .Start .End}} s
),
months AS (
  SELECT * FROM (VALUES
    (1, 'January', 'Jan'), (2, 'February', 'Feb'), (3, 'March', 'Mar'), (4, 'April', 'Apr'),
    (5, 'May', 'May'), (6, 'June', 'Jun'), (7, 'July', 'Jul'), (8, 'August', 'Aug'),
    (9, 'September', 'Sep'), (10, 'October', 'Oct'), (11, 'November', 'Nov'), (12, 'December', 'Dec')
  ) AS t(month_no, month_name, month_name_short)
),
weekdays AS (
  SELECT * FROM (VALUES
    (1, 'Monday', 'Mon'), (2, 'Tuesday', 'Tue'), (3, 'Wednesday', 'Wed'), (4, 'Thursday', 'Thu'),
    (5, 'Friday', 'Fri'), (6, 'Saturday', 'Sat'), (7, 'Sunday', 'Sun')
  ) AS t(dow_no, day_name, day_name_short)
)
SELECT CAST(x.y * 10000 + x.m * 100 + x.dd AS BIGINT) AS date_sk,
       x.d AS date,
       CAST(x.d AS STRING) AS date_string,
       x.y AS year,
       CAST(FLOOR((x.m - 1) / 3.0) AS INTEGER) + 1 AS quarter,
       x.m AS month,
       mo.month_name,
       mo.month_name_short,
       CAST(weekofyear(x.d) AS INTEGER) AS week_of_year,
       CAST(dayofyear(x.d) AS INTEGER) AS day_of_year,
       x.dd AS day_of_month,
       x.dow AS day_of_week,
       wd.day_name,
       wd.day_name_short,
       x.dow >= 6 AS is_weekend,
       x.dow < 6 AS is_weekday,
       (x.m = 1 AND x.dd = 1) OR (x.m = 4 AND x.dd = 30) OR (x.m = 5 AND x.dd = 1) OR (x.m = 9 AND x.dd = 2) AS is_holiday,
       CASE WHEN x.m >= 7 THEN x.y ELSE x.y - 1 END AS fiscal_year,
       CAST(FLOOR(((x.m + 5) % 12) / 3.0) AS INTEGER) + 1 AS fiscal_quarter,
       CAST(x.y * 100 + x.m AS STRING) AS year_month,
       CAST(dayofmonth(last_day(x.d)) AS INTEGER) AS days_in_month,
       {{.Now}} AS created_at,
       {{.D}} AS etl_run_date
FROM days x
JOIN months mo ON mo.month_no = x.m
JOIN weekdays wd ON wd.dow_no = x.dow
{{end}}

{{define "stats"}}
SELECT CAST(COUNT(*) AS BIGINT) AS total_days,
       CAST(COUNT(DISTINCT year) AS BIGINT) AS years_covered,
       CAST(SUM(CASE WHEN is_weekend THEN 1 ELSE 0 END) AS BIGINT) AS weekend_days,
       CAST(SUM(CASE WHEN is_holiday THEN 1 ELSE 0 END) AS BIGINT) AS holiday_days,
       MIN(date) AS start_date,
       MAX(date) AS end_date
FROM next_dim
{{end}}

{{define "data_range"}}
-- The earliest and latest day among the dates silver of the run date carries.
SELECT MIN(d), MAX(d) FROM (
{{- range $i, $s := .Sources}}
  {{if $i}}UNION ALL {{end}}SELECT CAST(MIN({{$s.Column}}) AS DATE) AS d FROM {{$s.View}}
  UNION ALL SELECT CAST(MAX({{$s.Column}}) AS DATE) FROM {{$s.View}}
{{- end}}
) t
{{end}}
