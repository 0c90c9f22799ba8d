BEGIN;

CREATE SCHEMA IF NOT EXISTS "meta_gold";

CREATE TABLE IF NOT EXISTS "meta_gold"."_metalake_exports" (
  "lake_dir" VARCHAR(1024) NOT NULL,
  "table_name" VARCHAR(128) NOT NULL,
  "run_date" DATE,
  "attempt" VARCHAR(128) NOT NULL,
  "row_count" BIGINT NOT NULL,
  "lake" VARCHAR(1024) NOT NULL,
  "exported_at" TIMESTAMP NOT NULL,
  PRIMARY KEY ("lake_dir")
);

LOCK TABLE "meta_gold"."_metalake_exports";

SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'meta_gold' ORDER BY table_name, ordinal_position;

SELECT "lake_dir", "attempt" FROM "meta_gold"."_metalake_exports";

CREATE TABLE "meta_gold"."dim_date" (
  "date_sk" BIGINT NOT NULL,
  "date" DATE,
  "date_string" VARCHAR(65535),
  "year" INTEGER,
  "quarter" INTEGER,
  "month" INTEGER,
  "month_name" VARCHAR(65535),
  "month_name_short" VARCHAR(65535),
  "week_of_year" INTEGER,
  "day_of_year" INTEGER,
  "day_of_month" INTEGER,
  "day_of_week" INTEGER,
  "day_name" VARCHAR(65535),
  "day_name_short" VARCHAR(65535),
  "is_weekend" BOOLEAN,
  "is_weekday" BOOLEAN,
  "is_holiday" BOOLEAN,
  "fiscal_year" INTEGER,
  "fiscal_quarter" INTEGER,
  "year_month" VARCHAR(65535),
  "days_in_month" INTEGER,
  "created_at" TIMESTAMP,
  "etl_run_date" DATE,
  CONSTRAINT "dim_date_pkey" PRIMARY KEY ("date_sk"),
  CONSTRAINT "dim_date_natural_key" UNIQUE ("date")
);

CREATE TABLE "meta_gold"."dim_user" (
  "user_sk" BIGINT NOT NULL,
  "user_id" VARCHAR(65535),
  "user_name" VARCHAR(65535),
  "country_code" VARCHAR(65535),
  "signup_ts" TIMESTAMP,
  "effective_start_ts" TIMESTAMP,
  "effective_end_ts" TIMESTAMP,
  "is_current" BOOLEAN,
  "last_observed_date" DATE,
  "created_at" TIMESTAMP,
  "updated_at" TIMESTAMP,
  "etl_run_date" DATE,
  CONSTRAINT "dim_user_pkey" PRIMARY KEY ("user_sk"),
  CONSTRAINT "dim_user_natural_key" UNIQUE ("user_id", "effective_start_ts")
);

CREATE TABLE "meta_gold"."dim_dataset" (
  "dataset_sk" BIGINT NOT NULL,
  "dataset_id" VARCHAR(65535),
  "dataset_title" VARCHAR(65535),
  "owner_user_id" VARCHAR(65535),
  "is_private" BOOLEAN,
  "dataset_type" VARCHAR(65535),
  "dataset_subtitle" VARCHAR(65535),
  "created_ts" TIMESTAMP,
  "effective_start_ts" TIMESTAMP,
  "effective_end_ts" TIMESTAMP,
  "is_current" BOOLEAN,
  "last_observed_date" DATE,
  "created_at" TIMESTAMP,
  "updated_at" TIMESTAMP,
  "etl_run_date" DATE,
  CONSTRAINT "dim_dataset_pkey" PRIMARY KEY ("dataset_sk"),
  CONSTRAINT "dim_dataset_natural_key" UNIQUE ("dataset_id", "effective_start_ts")
);

CREATE TABLE "meta_gold"."dim_competition" (
  "competition_sk" BIGINT NOT NULL,
  "competition_id" VARCHAR(65535),
  "slug" VARCHAR(65535),
  "title" VARCHAR(65535),
  "host_segment_title" VARCHAR(65535),
  "enabled_ts" TIMESTAMP,
  "deadline_ts" TIMESTAMP,
  "reward_type" VARCHAR(65535),
  "reward_quantity" DOUBLE PRECISION,
  "num_prizes" BIGINT,
  "max_team_size" BIGINT,
  "last_observed_date" DATE,
  "created_at" TIMESTAMP,
  "updated_at" TIMESTAMP,
  "etl_run_date" DATE,
  CONSTRAINT "dim_competition_pkey" PRIMARY KEY ("competition_sk"),
  CONSTRAINT "dim_competition_natural_key" UNIQUE ("competition_id")
);

CREATE TABLE "meta_gold"."dim_tag" (
  "tag_sk" BIGINT NOT NULL,
  "tag" VARCHAR(65535),
  "tag_category" VARCHAR(65535),
  "dataset_count" BIGINT,
  "last_observed_date" DATE,
  "created_at" TIMESTAMP,
  "updated_at" TIMESTAMP,
  "etl_run_date" DATE,
  CONSTRAINT "dim_tag_pkey" PRIMARY KEY ("tag_sk"),
  CONSTRAINT "dim_tag_natural_key" UNIQUE ("tag")
);

CREATE TABLE "meta_gold"."fact_dataset_owner_daily" (
  "user_sk" BIGINT NOT NULL,
  "date_sk" BIGINT,
  "datasets_count" BIGINT,
  "private_datasets_count" BIGINT,
  "public_datasets_count" BIGINT,
  "total_views" BIGINT,
  "total_downloads" BIGINT,
  "avg_views_downloads_ratio" DOUBLE PRECISION,
  "run_date" DATE NOT NULL,
  "pipeline_run_id" VARCHAR(65535),
  "created_at_ts" TIMESTAMP,
  CONSTRAINT "fact_dataset_owner_daily_pkey" PRIMARY KEY ("run_date", "user_sk"),
  CONSTRAINT "fact_dataset_owner_daily_user_sk_fkey" FOREIGN KEY ("user_sk") REFERENCES "meta_gold"."dim_user" ("user_sk"),
  CONSTRAINT "fact_dataset_owner_daily_date_sk_fkey" FOREIGN KEY ("date_sk") REFERENCES "meta_gold"."dim_date" ("date_sk")
) SORTKEY ("run_date");

CREATE TABLE "meta_gold"."fact_competitions_yearly" (
  "competition_year" BIGINT NOT NULL,
  "total_competitions" BIGINT,
  "featured_competitions" BIGINT,
  "research_competitions" BIGINT,
  "getting_started_competitions" BIGINT,
  "playground_competitions" BIGINT,
  "other_competitions" BIGINT,
  "total_teams_participated" BIGINT,
  "total_competitors_participated" BIGINT,
  "total_submissions_made" BIGINT,
  "avg_teams_per_competition" DOUBLE PRECISION,
  "avg_competitors_per_competition" DOUBLE PRECISION,
  "avg_submissions_per_competition" DOUBLE PRECISION,
  "avg_submissions_per_team" DOUBLE PRECISION,
  "avg_competitors_per_team" DOUBLE PRECISION,
  "total_rewards_usd" DOUBLE PRECISION,
  "avg_reward_usd_per_competition" DOUBLE PRECISION,
  "competition_type_diversity" BIGINT,
  "yoy_growth_competitions" DOUBLE PRECISION,
  "run_date" DATE NOT NULL,
  "pipeline_run_id" VARCHAR(65535),
  "created_at_ts" TIMESTAMP,
  CONSTRAINT "fact_competitions_yearly_pkey" PRIMARY KEY ("run_date", "competition_year")
) SORTKEY ("run_date");

CREATE TABLE "meta_gold"."fact_tag_usage_daily" (
  "tag_sk" BIGINT NOT NULL,
  "date_sk" BIGINT,
  "datasets_count" BIGINT,
  "new_assignments" BIGINT,
  "total_views" BIGINT,
  "total_downloads" BIGINT,
  "share_of_tagged" DOUBLE PRECISION,
  "run_date" DATE NOT NULL,
  "pipeline_run_id" VARCHAR(65535),
  "created_at_ts" TIMESTAMP,
  CONSTRAINT "fact_tag_usage_daily_pkey" PRIMARY KEY ("run_date", "tag_sk"),
  CONSTRAINT "fact_tag_usage_daily_tag_sk_fkey" FOREIGN KEY ("tag_sk") REFERENCES "meta_gold"."dim_tag" ("tag_sk"),
  CONSTRAINT "fact_tag_usage_daily_date_sk_fkey" FOREIGN KEY ("date_sk") REFERENCES "meta_gold"."dim_date" ("date_sk")
) SORTKEY ("run_date");

CREATE TABLE "meta_gold"."bridge_dataset_tag" (
  "dataset_sk" BIGINT,
  "tag_sk" BIGINT,
  "weight" DOUBLE PRECISION,
  "run_date" DATE,
  "pipeline_run_id" VARCHAR(65535),
  "created_at_ts" TIMESTAMP,
  CONSTRAINT "bridge_dataset_tag_dataset_sk_fkey" FOREIGN KEY ("dataset_sk") REFERENCES "meta_gold"."dim_dataset" ("dataset_sk"),
  CONSTRAINT "bridge_dataset_tag_tag_sk_fkey" FOREIGN KEY ("tag_sk") REFERENCES "meta_gold"."dim_tag" ("tag_sk")
) SORTKEY ("run_date");

CREATE TEMP TABLE "stage_dim_date" ("date_sk" BIGINT, "date" DATE, "date_string" VARCHAR(65535), "year" INTEGER, "quarter" INTEGER, "month" INTEGER, "month_name" VARCHAR(65535), "month_name_short" VARCHAR(65535), "week_of_year" INTEGER, "day_of_year" INTEGER, "day_of_month" INTEGER, "day_of_week" INTEGER, "day_name" VARCHAR(65535), "day_name_short" VARCHAR(65535), "is_weekend" BOOLEAN, "is_weekday" BOOLEAN, "is_holiday" BOOLEAN, "fiscal_year" INTEGER, "fiscal_quarter" INTEGER, "year_month" VARCHAR(65535), "days_in_month" INTEGER, "created_at" TIMESTAMP, "etl_run_date" DATE);

COPY "stage_dim_date" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/dim_date.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

CREATE TEMP TABLE "stage_dim_user" ("user_sk" BIGINT, "user_id" VARCHAR(65535), "user_name" VARCHAR(65535), "country_code" VARCHAR(65535), "signup_ts" TIMESTAMP, "effective_start_ts" TIMESTAMP, "effective_end_ts" TIMESTAMP, "is_current" BOOLEAN, "last_observed_date" DATE, "created_at" TIMESTAMP, "updated_at" TIMESTAMP, "etl_run_date" DATE);

COPY "stage_dim_user" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/dim_user.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

CREATE TEMP TABLE "stage_dim_dataset" ("dataset_sk" BIGINT, "dataset_id" VARCHAR(65535), "dataset_title" VARCHAR(65535), "owner_user_id" VARCHAR(65535), "is_private" BOOLEAN, "dataset_type" VARCHAR(65535), "dataset_subtitle" VARCHAR(65535), "created_ts" TIMESTAMP, "effective_start_ts" TIMESTAMP, "effective_end_ts" TIMESTAMP, "is_current" BOOLEAN, "last_observed_date" DATE, "created_at" TIMESTAMP, "updated_at" TIMESTAMP, "etl_run_date" DATE);

COPY "stage_dim_dataset" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/dim_dataset.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

CREATE TEMP TABLE "stage_dim_competition" ("competition_sk" BIGINT, "competition_id" VARCHAR(65535), "slug" VARCHAR(65535), "title" VARCHAR(65535), "host_segment_title" VARCHAR(65535), "enabled_ts" TIMESTAMP, "deadline_ts" TIMESTAMP, "reward_type" VARCHAR(65535), "reward_quantity" DOUBLE PRECISION, "num_prizes" BIGINT, "max_team_size" BIGINT, "last_observed_date" DATE, "created_at" TIMESTAMP, "updated_at" TIMESTAMP, "etl_run_date" DATE);

COPY "stage_dim_competition" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/dim_competition.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

CREATE TEMP TABLE "stage_dim_tag" ("tag_sk" BIGINT, "tag" VARCHAR(65535), "tag_category" VARCHAR(65535), "dataset_count" BIGINT, "last_observed_date" DATE, "created_at" TIMESTAMP, "updated_at" TIMESTAMP, "etl_run_date" DATE);

COPY "stage_dim_tag" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/dim_tag.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

CREATE TEMP TABLE "stage_fact_dataset_owner_daily" ("user_sk" BIGINT, "date_sk" BIGINT, "datasets_count" BIGINT, "private_datasets_count" BIGINT, "public_datasets_count" BIGINT, "total_views" BIGINT, "total_downloads" BIGINT, "avg_views_downloads_ratio" DOUBLE PRECISION, "run_date" DATE, "pipeline_run_id" VARCHAR(65535), "created_at_ts" TIMESTAMP);

COPY "stage_fact_dataset_owner_daily" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/fact_dataset_owner_daily.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

CREATE TEMP TABLE "stage_fact_competitions_yearly" ("competition_year" BIGINT, "total_competitions" BIGINT, "featured_competitions" BIGINT, "research_competitions" BIGINT, "getting_started_competitions" BIGINT, "playground_competitions" BIGINT, "other_competitions" BIGINT, "total_teams_participated" BIGINT, "total_competitors_participated" BIGINT, "total_submissions_made" BIGINT, "avg_teams_per_competition" DOUBLE PRECISION, "avg_competitors_per_competition" DOUBLE PRECISION, "avg_submissions_per_competition" DOUBLE PRECISION, "avg_submissions_per_team" DOUBLE PRECISION, "avg_competitors_per_team" DOUBLE PRECISION, "total_rewards_usd" DOUBLE PRECISION, "avg_reward_usd_per_competition" DOUBLE PRECISION, "competition_type_diversity" BIGINT, "yoy_growth_competitions" DOUBLE PRECISION, "run_date" DATE, "pipeline_run_id" VARCHAR(65535), "created_at_ts" TIMESTAMP);

COPY "stage_fact_competitions_yearly" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/fact_competitions_yearly.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

CREATE TEMP TABLE "stage_fact_tag_usage_daily" ("tag_sk" BIGINT, "date_sk" BIGINT, "datasets_count" BIGINT, "new_assignments" BIGINT, "total_views" BIGINT, "total_downloads" BIGINT, "share_of_tagged" DOUBLE PRECISION, "run_date" DATE, "pipeline_run_id" VARCHAR(65535), "created_at_ts" TIMESTAMP);

COPY "stage_fact_tag_usage_daily" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/fact_tag_usage_daily.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

CREATE TEMP TABLE "stage_bridge_dataset_tag" ("dataset_sk" BIGINT, "tag_sk" BIGINT, "weight" DOUBLE PRECISION, "run_date" DATE, "pipeline_run_id" VARCHAR(65535), "created_at_ts" TIMESTAMP);

COPY "stage_bridge_dataset_tag" FROM 's3://metalake-lake/meta/gold/_warehouse/run_date=2024-03-03/bridge_dataset_tag.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/metalake-redshift' FORMAT AS PARQUET MANIFEST;

DELETE FROM "meta_gold"."fact_dataset_owner_daily" WHERE "run_date" = CAST('2024-03-03' AS DATE);

DELETE FROM "meta_gold"."fact_competitions_yearly" WHERE "run_date" = CAST('2024-03-03' AS DATE);

DELETE FROM "meta_gold"."fact_tag_usage_daily" WHERE "run_date" = CAST('2024-03-03' AS DATE);

DELETE FROM "meta_gold"."bridge_dataset_tag" WHERE "run_date" = CAST('2024-03-03' AS DATE);

SELECT COUNT(*) FROM "meta_gold"."dim_date"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_date" s WHERE s."date_sk" = "meta_gold"."dim_date"."date_sk");

DELETE FROM "meta_gold"."dim_date"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_date" s WHERE s."date_sk" = "meta_gold"."dim_date"."date_sk")
  AND NOT EXISTS (SELECT 1 FROM "meta_gold"."fact_dataset_owner_daily" f WHERE f."date_sk" = "meta_gold"."dim_date"."date_sk")
  AND NOT EXISTS (SELECT 1 FROM "meta_gold"."fact_tag_usage_daily" f WHERE f."date_sk" = "meta_gold"."dim_date"."date_sk");

UPDATE "meta_gold"."dim_date"
SET "date" = s."date",
    "date_string" = s."date_string",
    "year" = s."year",
    "quarter" = s."quarter",
    "month" = s."month",
    "month_name" = s."month_name",
    "month_name_short" = s."month_name_short",
    "week_of_year" = s."week_of_year",
    "day_of_year" = s."day_of_year",
    "day_of_month" = s."day_of_month",
    "day_of_week" = s."day_of_week",
    "day_name" = s."day_name",
    "day_name_short" = s."day_name_short",
    "is_weekend" = s."is_weekend",
    "is_weekday" = s."is_weekday",
    "is_holiday" = s."is_holiday",
    "fiscal_year" = s."fiscal_year",
    "fiscal_quarter" = s."fiscal_quarter",
    "year_month" = s."year_month",
    "days_in_month" = s."days_in_month",
    "created_at" = s."created_at",
    "etl_run_date" = s."etl_run_date"
FROM "stage_dim_date" s
WHERE "meta_gold"."dim_date"."date_sk" = s."date_sk"
  AND NOT ((("meta_gold"."dim_date"."date" = s."date" AND "meta_gold"."dim_date"."date" IS NOT NULL AND s."date" IS NOT NULL) OR ("meta_gold"."dim_date"."date" IS NULL AND s."date" IS NULL))
       AND (("meta_gold"."dim_date"."date_string" = s."date_string" AND "meta_gold"."dim_date"."date_string" IS NOT NULL AND s."date_string" IS NOT NULL) OR ("meta_gold"."dim_date"."date_string" IS NULL AND s."date_string" IS NULL))
       AND (("meta_gold"."dim_date"."year" = s."year" AND "meta_gold"."dim_date"."year" IS NOT NULL AND s."year" IS NOT NULL) OR ("meta_gold"."dim_date"."year" IS NULL AND s."year" IS NULL))
       AND (("meta_gold"."dim_date"."quarter" = s."quarter" AND "meta_gold"."dim_date"."quarter" IS NOT NULL AND s."quarter" IS NOT NULL) OR ("meta_gold"."dim_date"."quarter" IS NULL AND s."quarter" IS NULL))
       AND (("meta_gold"."dim_date"."month" = s."month" AND "meta_gold"."dim_date"."month" IS NOT NULL AND s."month" IS NOT NULL) OR ("meta_gold"."dim_date"."month" IS NULL AND s."month" IS NULL))
       AND (("meta_gold"."dim_date"."month_name" = s."month_name" AND "meta_gold"."dim_date"."month_name" IS NOT NULL AND s."month_name" IS NOT NULL) OR ("meta_gold"."dim_date"."month_name" IS NULL AND s."month_name" IS NULL))
       AND (("meta_gold"."dim_date"."month_name_short" = s."month_name_short" AND "meta_gold"."dim_date"."month_name_short" IS NOT NULL AND s."month_name_short" IS NOT NULL) OR ("meta_gold"."dim_date"."month_name_short" IS NULL AND s."month_name_short" IS NULL))
       AND (("meta_gold"."dim_date"."week_of_year" = s."week_of_year" AND "meta_gold"."dim_date"."week_of_year" IS NOT NULL AND s."week_of_year" IS NOT NULL) OR ("meta_gold"."dim_date"."week_of_year" IS NULL AND s."week_of_year" IS NULL))
       AND (("meta_gold"."dim_date"."day_of_year" = s."day_of_year" AND "meta_gold"."dim_date"."day_of_year" IS NOT NULL AND s."day_of_year" IS NOT NULL) OR ("meta_gold"."dim_date"."day_of_year" IS NULL AND s."day_of_year" IS NULL))
       AND (("meta_gold"."dim_date"."day_of_month" = s."day_of_month" AND "meta_gold"."dim_date"."day_of_month" IS NOT NULL AND s."day_of_month" IS NOT NULL) OR ("meta_gold"."dim_date"."day_of_month" IS NULL AND s."day_of_month" IS NULL))
       AND (("meta_gold"."dim_date"."day_of_week" = s."day_of_week" AND "meta_gold"."dim_date"."day_of_week" IS NOT NULL AND s."day_of_week" IS NOT NULL) OR ("meta_gold"."dim_date"."day_of_week" IS NULL AND s."day_of_week" IS NULL))
       AND (("meta_gold"."dim_date"."day_name" = s."day_name" AND "meta_gold"."dim_date"."day_name" IS NOT NULL AND s."day_name" IS NOT NULL) OR ("meta_gold"."dim_date"."day_name" IS NULL AND s."day_name" IS NULL))
       AND (("meta_gold"."dim_date"."day_name_short" = s."day_name_short" AND "meta_gold"."dim_date"."day_name_short" IS NOT NULL AND s."day_name_short" IS NOT NULL) OR ("meta_gold"."dim_date"."day_name_short" IS NULL AND s."day_name_short" IS NULL))
       AND (("meta_gold"."dim_date"."is_weekend" = s."is_weekend" AND "meta_gold"."dim_date"."is_weekend" IS NOT NULL AND s."is_weekend" IS NOT NULL) OR ("meta_gold"."dim_date"."is_weekend" IS NULL AND s."is_weekend" IS NULL))
       AND (("meta_gold"."dim_date"."is_weekday" = s."is_weekday" AND "meta_gold"."dim_date"."is_weekday" IS NOT NULL AND s."is_weekday" IS NOT NULL) OR ("meta_gold"."dim_date"."is_weekday" IS NULL AND s."is_weekday" IS NULL))
       AND (("meta_gold"."dim_date"."is_holiday" = s."is_holiday" AND "meta_gold"."dim_date"."is_holiday" IS NOT NULL AND s."is_holiday" IS NOT NULL) OR ("meta_gold"."dim_date"."is_holiday" IS NULL AND s."is_holiday" IS NULL))
       AND (("meta_gold"."dim_date"."fiscal_year" = s."fiscal_year" AND "meta_gold"."dim_date"."fiscal_year" IS NOT NULL AND s."fiscal_year" IS NOT NULL) OR ("meta_gold"."dim_date"."fiscal_year" IS NULL AND s."fiscal_year" IS NULL))
       AND (("meta_gold"."dim_date"."fiscal_quarter" = s."fiscal_quarter" AND "meta_gold"."dim_date"."fiscal_quarter" IS NOT NULL AND s."fiscal_quarter" IS NOT NULL) OR ("meta_gold"."dim_date"."fiscal_quarter" IS NULL AND s."fiscal_quarter" IS NULL))
       AND (("meta_gold"."dim_date"."year_month" = s."year_month" AND "meta_gold"."dim_date"."year_month" IS NOT NULL AND s."year_month" IS NOT NULL) OR ("meta_gold"."dim_date"."year_month" IS NULL AND s."year_month" IS NULL))
       AND (("meta_gold"."dim_date"."days_in_month" = s."days_in_month" AND "meta_gold"."dim_date"."days_in_month" IS NOT NULL AND s."days_in_month" IS NOT NULL) OR ("meta_gold"."dim_date"."days_in_month" IS NULL AND s."days_in_month" IS NULL))
       AND (("meta_gold"."dim_date"."created_at" = s."created_at" AND "meta_gold"."dim_date"."created_at" IS NOT NULL AND s."created_at" IS NOT NULL) OR ("meta_gold"."dim_date"."created_at" IS NULL AND s."created_at" IS NULL))
       AND (("meta_gold"."dim_date"."etl_run_date" = s."etl_run_date" AND "meta_gold"."dim_date"."etl_run_date" IS NOT NULL AND s."etl_run_date" IS NOT NULL) OR ("meta_gold"."dim_date"."etl_run_date" IS NULL AND s."etl_run_date" IS NULL)));

INSERT INTO "meta_gold"."dim_date" ("date_sk", "date", "date_string", "year", "quarter", "month", "month_name", "month_name_short", "week_of_year", "day_of_year", "day_of_month", "day_of_week", "day_name", "day_name_short", "is_weekend", "is_weekday", "is_holiday", "fiscal_year", "fiscal_quarter", "year_month", "days_in_month", "created_at", "etl_run_date")
SELECT s."date_sk", s."date", s."date_string", s."year", s."quarter", s."month", s."month_name", s."month_name_short", s."week_of_year", s."day_of_year", s."day_of_month", s."day_of_week", s."day_name", s."day_name_short", s."is_weekend", s."is_weekday", s."is_holiday", s."fiscal_year", s."fiscal_quarter", s."year_month", s."days_in_month", s."created_at", s."etl_run_date" FROM "stage_dim_date" s
WHERE NOT EXISTS (SELECT 1 FROM "meta_gold"."dim_date" t WHERE t."date_sk" = s."date_sk");

SELECT COUNT(*) FROM "meta_gold"."dim_user"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_user" s WHERE s."user_sk" = "meta_gold"."dim_user"."user_sk");

DELETE FROM "meta_gold"."dim_user"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_user" s WHERE s."user_sk" = "meta_gold"."dim_user"."user_sk")
  AND NOT EXISTS (SELECT 1 FROM "meta_gold"."fact_dataset_owner_daily" f WHERE f."user_sk" = "meta_gold"."dim_user"."user_sk");

UPDATE "meta_gold"."dim_user"
SET "user_id" = s."user_id",
    "user_name" = s."user_name",
    "country_code" = s."country_code",
    "signup_ts" = s."signup_ts",
    "effective_start_ts" = s."effective_start_ts",
    "effective_end_ts" = s."effective_end_ts",
    "is_current" = s."is_current",
    "last_observed_date" = s."last_observed_date",
    "created_at" = s."created_at",
    "updated_at" = s."updated_at",
    "etl_run_date" = s."etl_run_date"
FROM "stage_dim_user" s
WHERE "meta_gold"."dim_user"."user_sk" = s."user_sk"
  AND NOT ((("meta_gold"."dim_user"."user_id" = s."user_id" AND "meta_gold"."dim_user"."user_id" IS NOT NULL AND s."user_id" IS NOT NULL) OR ("meta_gold"."dim_user"."user_id" IS NULL AND s."user_id" IS NULL))
       AND (("meta_gold"."dim_user"."user_name" = s."user_name" AND "meta_gold"."dim_user"."user_name" IS NOT NULL AND s."user_name" IS NOT NULL) OR ("meta_gold"."dim_user"."user_name" IS NULL AND s."user_name" IS NULL))
       AND (("meta_gold"."dim_user"."country_code" = s."country_code" AND "meta_gold"."dim_user"."country_code" IS NOT NULL AND s."country_code" IS NOT NULL) OR ("meta_gold"."dim_user"."country_code" IS NULL AND s."country_code" IS NULL))
       AND (("meta_gold"."dim_user"."signup_ts" = s."signup_ts" AND "meta_gold"."dim_user"."signup_ts" IS NOT NULL AND s."signup_ts" IS NOT NULL) OR ("meta_gold"."dim_user"."signup_ts" IS NULL AND s."signup_ts" IS NULL))
       AND (("meta_gold"."dim_user"."effective_start_ts" = s."effective_start_ts" AND "meta_gold"."dim_user"."effective_start_ts" IS NOT NULL AND s."effective_start_ts" IS NOT NULL) OR ("meta_gold"."dim_user"."effective_start_ts" IS NULL AND s."effective_start_ts" IS NULL))
       AND (("meta_gold"."dim_user"."effective_end_ts" = s."effective_end_ts" AND "meta_gold"."dim_user"."effective_end_ts" IS NOT NULL AND s."effective_end_ts" IS NOT NULL) OR ("meta_gold"."dim_user"."effective_end_ts" IS NULL AND s."effective_end_ts" IS NULL))
       AND (("meta_gold"."dim_user"."is_current" = s."is_current" AND "meta_gold"."dim_user"."is_current" IS NOT NULL AND s."is_current" IS NOT NULL) OR ("meta_gold"."dim_user"."is_current" IS NULL AND s."is_current" IS NULL))
       AND (("meta_gold"."dim_user"."last_observed_date" = s."last_observed_date" AND "meta_gold"."dim_user"."last_observed_date" IS NOT NULL AND s."last_observed_date" IS NOT NULL) OR ("meta_gold"."dim_user"."last_observed_date" IS NULL AND s."last_observed_date" IS NULL))
       AND (("meta_gold"."dim_user"."created_at" = s."created_at" AND "meta_gold"."dim_user"."created_at" IS NOT NULL AND s."created_at" IS NOT NULL) OR ("meta_gold"."dim_user"."created_at" IS NULL AND s."created_at" IS NULL))
       AND (("meta_gold"."dim_user"."updated_at" = s."updated_at" AND "meta_gold"."dim_user"."updated_at" IS NOT NULL AND s."updated_at" IS NOT NULL) OR ("meta_gold"."dim_user"."updated_at" IS NULL AND s."updated_at" IS NULL))
       AND (("meta_gold"."dim_user"."etl_run_date" = s."etl_run_date" AND "meta_gold"."dim_user"."etl_run_date" IS NOT NULL AND s."etl_run_date" IS NOT NULL) OR ("meta_gold"."dim_user"."etl_run_date" IS NULL AND s."etl_run_date" IS NULL)));

INSERT INTO "meta_gold"."dim_user" ("user_sk", "user_id", "user_name", "country_code", "signup_ts", "effective_start_ts", "effective_end_ts", "is_current", "last_observed_date", "created_at", "updated_at", "etl_run_date")
SELECT s."user_sk", s."user_id", s."user_name", s."country_code", s."signup_ts", s."effective_start_ts", s."effective_end_ts", s."is_current", s."last_observed_date", s."created_at", s."updated_at", s."etl_run_date" FROM "stage_dim_user" s
WHERE NOT EXISTS (SELECT 1 FROM "meta_gold"."dim_user" t WHERE t."user_sk" = s."user_sk");

SELECT COUNT(*) FROM "meta_gold"."dim_dataset"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_dataset" s WHERE s."dataset_sk" = "meta_gold"."dim_dataset"."dataset_sk");

DELETE FROM "meta_gold"."dim_dataset"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_dataset" s WHERE s."dataset_sk" = "meta_gold"."dim_dataset"."dataset_sk")
  AND NOT EXISTS (SELECT 1 FROM "meta_gold"."bridge_dataset_tag" f WHERE f."dataset_sk" = "meta_gold"."dim_dataset"."dataset_sk");

UPDATE "meta_gold"."dim_dataset"
SET "dataset_id" = s."dataset_id",
    "dataset_title" = s."dataset_title",
    "owner_user_id" = s."owner_user_id",
    "is_private" = s."is_private",
    "dataset_type" = s."dataset_type",
    "dataset_subtitle" = s."dataset_subtitle",
    "created_ts" = s."created_ts",
    "effective_start_ts" = s."effective_start_ts",
    "effective_end_ts" = s."effective_end_ts",
    "is_current" = s."is_current",
    "last_observed_date" = s."last_observed_date",
    "created_at" = s."created_at",
    "updated_at" = s."updated_at",
    "etl_run_date" = s."etl_run_date"
FROM "stage_dim_dataset" s
WHERE "meta_gold"."dim_dataset"."dataset_sk" = s."dataset_sk"
  AND NOT ((("meta_gold"."dim_dataset"."dataset_id" = s."dataset_id" AND "meta_gold"."dim_dataset"."dataset_id" IS NOT NULL AND s."dataset_id" IS NOT NULL) OR ("meta_gold"."dim_dataset"."dataset_id" IS NULL AND s."dataset_id" IS NULL))
       AND (("meta_gold"."dim_dataset"."dataset_title" = s."dataset_title" AND "meta_gold"."dim_dataset"."dataset_title" IS NOT NULL AND s."dataset_title" IS NOT NULL) OR ("meta_gold"."dim_dataset"."dataset_title" IS NULL AND s."dataset_title" IS NULL))
       AND (("meta_gold"."dim_dataset"."owner_user_id" = s."owner_user_id" AND "meta_gold"."dim_dataset"."owner_user_id" IS NOT NULL AND s."owner_user_id" IS NOT NULL) OR ("meta_gold"."dim_dataset"."owner_user_id" IS NULL AND s."owner_user_id" IS NULL))
       AND (("meta_gold"."dim_dataset"."is_private" = s."is_private" AND "meta_gold"."dim_dataset"."is_private" IS NOT NULL AND s."is_private" IS NOT NULL) OR ("meta_gold"."dim_dataset"."is_private" IS NULL AND s."is_private" IS NULL))
       AND (("meta_gold"."dim_dataset"."dataset_type" = s."dataset_type" AND "meta_gold"."dim_dataset"."dataset_type" IS NOT NULL AND s."dataset_type" IS NOT NULL) OR ("meta_gold"."dim_dataset"."dataset_type" IS NULL AND s."dataset_type" IS NULL))
       AND (("meta_gold"."dim_dataset"."dataset_subtitle" = s."dataset_subtitle" AND "meta_gold"."dim_dataset"."dataset_subtitle" IS NOT NULL AND s."dataset_subtitle" IS NOT NULL) OR ("meta_gold"."dim_dataset"."dataset_subtitle" IS NULL AND s."dataset_subtitle" IS NULL))
       AND (("meta_gold"."dim_dataset"."created_ts" = s."created_ts" AND "meta_gold"."dim_dataset"."created_ts" IS NOT NULL AND s."created_ts" IS NOT NULL) OR ("meta_gold"."dim_dataset"."created_ts" IS NULL AND s."created_ts" IS NULL))
       AND (("meta_gold"."dim_dataset"."effective_start_ts" = s."effective_start_ts" AND "meta_gold"."dim_dataset"."effective_start_ts" IS NOT NULL AND s."effective_start_ts" IS NOT NULL) OR ("meta_gold"."dim_dataset"."effective_start_ts" IS NULL AND s."effective_start_ts" IS NULL))
       AND (("meta_gold"."dim_dataset"."effective_end_ts" = s."effective_end_ts" AND "meta_gold"."dim_dataset"."effective_end_ts" IS NOT NULL AND s."effective_end_ts" IS NOT NULL) OR ("meta_gold"."dim_dataset"."effective_end_ts" IS NULL AND s."effective_end_ts" IS NULL))
       AND (("meta_gold"."dim_dataset"."is_current" = s."is_current" AND "meta_gold"."dim_dataset"."is_current" IS NOT NULL AND s."is_current" IS NOT NULL) OR ("meta_gold"."dim_dataset"."is_current" IS NULL AND s."is_current" IS NULL))
       AND (("meta_gold"."dim_dataset"."last_observed_date" = s."last_observed_date" AND "meta_gold"."dim_dataset"."last_observed_date" IS NOT NULL AND s."last_observed_date" IS NOT NULL) OR ("meta_gold"."dim_dataset"."last_observed_date" IS NULL AND s."last_observed_date" IS NULL))
       AND (("meta_gold"."dim_dataset"."created_at" = s."created_at" AND "meta_gold"."dim_dataset"."created_at" IS NOT NULL AND s."created_at" IS NOT NULL) OR ("meta_gold"."dim_dataset"."created_at" IS NULL AND s."created_at" IS NULL))
       AND (("meta_gold"."dim_dataset"."updated_at" = s."updated_at" AND "meta_gold"."dim_dataset"."updated_at" IS NOT NULL AND s."updated_at" IS NOT NULL) OR ("meta_gold"."dim_dataset"."updated_at" IS NULL AND s."updated_at" IS NULL))
       AND (("meta_gold"."dim_dataset"."etl_run_date" = s."etl_run_date" AND "meta_gold"."dim_dataset"."etl_run_date" IS NOT NULL AND s."etl_run_date" IS NOT NULL) OR ("meta_gold"."dim_dataset"."etl_run_date" IS NULL AND s."etl_run_date" IS NULL)));

INSERT INTO "meta_gold"."dim_dataset" ("dataset_sk", "dataset_id", "dataset_title", "owner_user_id", "is_private", "dataset_type", "dataset_subtitle", "created_ts", "effective_start_ts", "effective_end_ts", "is_current", "last_observed_date", "created_at", "updated_at", "etl_run_date")
SELECT s."dataset_sk", s."dataset_id", s."dataset_title", s."owner_user_id", s."is_private", s."dataset_type", s."dataset_subtitle", s."created_ts", s."effective_start_ts", s."effective_end_ts", s."is_current", s."last_observed_date", s."created_at", s."updated_at", s."etl_run_date" FROM "stage_dim_dataset" s
WHERE NOT EXISTS (SELECT 1 FROM "meta_gold"."dim_dataset" t WHERE t."dataset_sk" = s."dataset_sk");

SELECT COUNT(*) FROM "meta_gold"."dim_competition"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_competition" s WHERE s."competition_sk" = "meta_gold"."dim_competition"."competition_sk");

DELETE FROM "meta_gold"."dim_competition"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_competition" s WHERE s."competition_sk" = "meta_gold"."dim_competition"."competition_sk");

UPDATE "meta_gold"."dim_competition"
SET "competition_id" = s."competition_id",
    "slug" = s."slug",
    "title" = s."title",
    "host_segment_title" = s."host_segment_title",
    "enabled_ts" = s."enabled_ts",
    "deadline_ts" = s."deadline_ts",
    "reward_type" = s."reward_type",
    "reward_quantity" = s."reward_quantity",
    "num_prizes" = s."num_prizes",
    "max_team_size" = s."max_team_size",
    "last_observed_date" = s."last_observed_date",
    "created_at" = s."created_at",
    "updated_at" = s."updated_at",
    "etl_run_date" = s."etl_run_date"
FROM "stage_dim_competition" s
WHERE "meta_gold"."dim_competition"."competition_sk" = s."competition_sk"
  AND NOT ((("meta_gold"."dim_competition"."competition_id" = s."competition_id" AND "meta_gold"."dim_competition"."competition_id" IS NOT NULL AND s."competition_id" IS NOT NULL) OR ("meta_gold"."dim_competition"."competition_id" IS NULL AND s."competition_id" IS NULL))
       AND (("meta_gold"."dim_competition"."slug" = s."slug" AND "meta_gold"."dim_competition"."slug" IS NOT NULL AND s."slug" IS NOT NULL) OR ("meta_gold"."dim_competition"."slug" IS NULL AND s."slug" IS NULL))
       AND (("meta_gold"."dim_competition"."title" = s."title" AND "meta_gold"."dim_competition"."title" IS NOT NULL AND s."title" IS NOT NULL) OR ("meta_gold"."dim_competition"."title" IS NULL AND s."title" IS NULL))
       AND (("meta_gold"."dim_competition"."host_segment_title" = s."host_segment_title" AND "meta_gold"."dim_competition"."host_segment_title" IS NOT NULL AND s."host_segment_title" IS NOT NULL) OR ("meta_gold"."dim_competition"."host_segment_title" IS NULL AND s."host_segment_title" IS NULL))
       AND (("meta_gold"."dim_competition"."enabled_ts" = s."enabled_ts" AND "meta_gold"."dim_competition"."enabled_ts" IS NOT NULL AND s."enabled_ts" IS NOT NULL) OR ("meta_gold"."dim_competition"."enabled_ts" IS NULL AND s."enabled_ts" IS NULL))
       AND (("meta_gold"."dim_competition"."deadline_ts" = s."deadline_ts" AND "meta_gold"."dim_competition"."deadline_ts" IS NOT NULL AND s."deadline_ts" IS NOT NULL) OR ("meta_gold"."dim_competition"."deadline_ts" IS NULL AND s."deadline_ts" IS NULL))
       AND (("meta_gold"."dim_competition"."reward_type" = s."reward_type" AND "meta_gold"."dim_competition"."reward_type" IS NOT NULL AND s."reward_type" IS NOT NULL) OR ("meta_gold"."dim_competition"."reward_type" IS NULL AND s."reward_type" IS NULL))
       AND (("meta_gold"."dim_competition"."reward_quantity" = s."reward_quantity" AND "meta_gold"."dim_competition"."reward_quantity" IS NOT NULL AND s."reward_quantity" IS NOT NULL) OR ("meta_gold"."dim_competition"."reward_quantity" IS NULL AND s."reward_quantity" IS NULL))
       AND (("meta_gold"."dim_competition"."num_prizes" = s."num_prizes" AND "meta_gold"."dim_competition"."num_prizes" IS NOT NULL AND s."num_prizes" IS NOT NULL) OR ("meta_gold"."dim_competition"."num_prizes" IS NULL AND s."num_prizes" IS NULL))
       AND (("meta_gold"."dim_competition"."max_team_size" = s."max_team_size" AND "meta_gold"."dim_competition"."max_team_size" IS NOT NULL AND s."max_team_size" IS NOT NULL) OR ("meta_gold"."dim_competition"."max_team_size" IS NULL AND s."max_team_size" IS NULL))
       AND (("meta_gold"."dim_competition"."last_observed_date" = s."last_observed_date" AND "meta_gold"."dim_competition"."last_observed_date" IS NOT NULL AND s."last_observed_date" IS NOT NULL) OR ("meta_gold"."dim_competition"."last_observed_date" IS NULL AND s."last_observed_date" IS NULL))
       AND (("meta_gold"."dim_competition"."created_at" = s."created_at" AND "meta_gold"."dim_competition"."created_at" IS NOT NULL AND s."created_at" IS NOT NULL) OR ("meta_gold"."dim_competition"."created_at" IS NULL AND s."created_at" IS NULL))
       AND (("meta_gold"."dim_competition"."updated_at" = s."updated_at" AND "meta_gold"."dim_competition"."updated_at" IS NOT NULL AND s."updated_at" IS NOT NULL) OR ("meta_gold"."dim_competition"."updated_at" IS NULL AND s."updated_at" IS NULL))
       AND (("meta_gold"."dim_competition"."etl_run_date" = s."etl_run_date" AND "meta_gold"."dim_competition"."etl_run_date" IS NOT NULL AND s."etl_run_date" IS NOT NULL) OR ("meta_gold"."dim_competition"."etl_run_date" IS NULL AND s."etl_run_date" IS NULL)));

INSERT INTO "meta_gold"."dim_competition" ("competition_sk", "competition_id", "slug", "title", "host_segment_title", "enabled_ts", "deadline_ts", "reward_type", "reward_quantity", "num_prizes", "max_team_size", "last_observed_date", "created_at", "updated_at", "etl_run_date")
SELECT s."competition_sk", s."competition_id", s."slug", s."title", s."host_segment_title", s."enabled_ts", s."deadline_ts", s."reward_type", s."reward_quantity", s."num_prizes", s."max_team_size", s."last_observed_date", s."created_at", s."updated_at", s."etl_run_date" FROM "stage_dim_competition" s
WHERE NOT EXISTS (SELECT 1 FROM "meta_gold"."dim_competition" t WHERE t."competition_sk" = s."competition_sk");

SELECT COUNT(*) FROM "meta_gold"."dim_tag"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_tag" s WHERE s."tag_sk" = "meta_gold"."dim_tag"."tag_sk");

DELETE FROM "meta_gold"."dim_tag"
WHERE NOT EXISTS (SELECT 1 FROM "stage_dim_tag" s WHERE s."tag_sk" = "meta_gold"."dim_tag"."tag_sk")
  AND NOT EXISTS (SELECT 1 FROM "meta_gold"."fact_tag_usage_daily" f WHERE f."tag_sk" = "meta_gold"."dim_tag"."tag_sk")
  AND NOT EXISTS (SELECT 1 FROM "meta_gold"."bridge_dataset_tag" f WHERE f."tag_sk" = "meta_gold"."dim_tag"."tag_sk");

UPDATE "meta_gold"."dim_tag"
SET "tag" = s."tag",
    "tag_category" = s."tag_category",
    "dataset_count" = s."dataset_count",
    "last_observed_date" = s."last_observed_date",
    "created_at" = s."created_at",
    "updated_at" = s."updated_at",
    "etl_run_date" = s."etl_run_date"
FROM "stage_dim_tag" s
WHERE "meta_gold"."dim_tag"."tag_sk" = s."tag_sk"
  AND NOT ((("meta_gold"."dim_tag"."tag" = s."tag" AND "meta_gold"."dim_tag"."tag" IS NOT NULL AND s."tag" IS NOT NULL) OR ("meta_gold"."dim_tag"."tag" IS NULL AND s."tag" IS NULL))
       AND (("meta_gold"."dim_tag"."tag_category" = s."tag_category" AND "meta_gold"."dim_tag"."tag_category" IS NOT NULL AND s."tag_category" IS NOT NULL) OR ("meta_gold"."dim_tag"."tag_category" IS NULL AND s."tag_category" IS NULL))
       AND (("meta_gold"."dim_tag"."dataset_count" = s."dataset_count" AND "meta_gold"."dim_tag"."dataset_count" IS NOT NULL AND s."dataset_count" IS NOT NULL) OR ("meta_gold"."dim_tag"."dataset_count" IS NULL AND s."dataset_count" IS NULL))
       AND (("meta_gold"."dim_tag"."last_observed_date" = s."last_observed_date" AND "meta_gold"."dim_tag"."last_observed_date" IS NOT NULL AND s."last_observed_date" IS NOT NULL) OR ("meta_gold"."dim_tag"."last_observed_date" IS NULL AND s."last_observed_date" IS NULL))
       AND (("meta_gold"."dim_tag"."created_at" = s."created_at" AND "meta_gold"."dim_tag"."created_at" IS NOT NULL AND s."created_at" IS NOT NULL) OR ("meta_gold"."dim_tag"."created_at" IS NULL AND s."created_at" IS NULL))
       AND (("meta_gold"."dim_tag"."updated_at" = s."updated_at" AND "meta_gold"."dim_tag"."updated_at" IS NOT NULL AND s."updated_at" IS NOT NULL) OR ("meta_gold"."dim_tag"."updated_at" IS NULL AND s."updated_at" IS NULL))
       AND (("meta_gold"."dim_tag"."etl_run_date" = s."etl_run_date" AND "meta_gold"."dim_tag"."etl_run_date" IS NOT NULL AND s."etl_run_date" IS NOT NULL) OR ("meta_gold"."dim_tag"."etl_run_date" IS NULL AND s."etl_run_date" IS NULL)));

INSERT INTO "meta_gold"."dim_tag" ("tag_sk", "tag", "tag_category", "dataset_count", "last_observed_date", "created_at", "updated_at", "etl_run_date")
SELECT s."tag_sk", s."tag", s."tag_category", s."dataset_count", s."last_observed_date", s."created_at", s."updated_at", s."etl_run_date" FROM "stage_dim_tag" s
WHERE NOT EXISTS (SELECT 1 FROM "meta_gold"."dim_tag" t WHERE t."tag_sk" = s."tag_sk");

INSERT INTO "meta_gold"."fact_dataset_owner_daily" ("user_sk", "date_sk", "datasets_count", "private_datasets_count", "public_datasets_count", "total_views", "total_downloads", "avg_views_downloads_ratio", "run_date", "pipeline_run_id", "created_at_ts")
SELECT "user_sk", "date_sk", "datasets_count", "private_datasets_count", "public_datasets_count", "total_views", "total_downloads", "avg_views_downloads_ratio", "run_date", "pipeline_run_id", "created_at_ts" FROM "stage_fact_dataset_owner_daily";

INSERT INTO "meta_gold"."fact_competitions_yearly" ("competition_year", "total_competitions", "featured_competitions", "research_competitions", "getting_started_competitions", "playground_competitions", "other_competitions", "total_teams_participated", "total_competitors_participated", "total_submissions_made", "avg_teams_per_competition", "avg_competitors_per_competition", "avg_submissions_per_competition", "avg_submissions_per_team", "avg_competitors_per_team", "total_rewards_usd", "avg_reward_usd_per_competition", "competition_type_diversity", "yoy_growth_competitions", "run_date", "pipeline_run_id", "created_at_ts")
SELECT "competition_year", "total_competitions", "featured_competitions", "research_competitions", "getting_started_competitions", "playground_competitions", "other_competitions", "total_teams_participated", "total_competitors_participated", "total_submissions_made", "avg_teams_per_competition", "avg_competitors_per_competition", "avg_submissions_per_competition", "avg_submissions_per_team", "avg_competitors_per_team", "total_rewards_usd", "avg_reward_usd_per_competition", "competition_type_diversity", "yoy_growth_competitions", "run_date", "pipeline_run_id", "created_at_ts" FROM "stage_fact_competitions_yearly";

INSERT INTO "meta_gold"."fact_tag_usage_daily" ("tag_sk", "date_sk", "datasets_count", "new_assignments", "total_views", "total_downloads", "share_of_tagged", "run_date", "pipeline_run_id", "created_at_ts")
SELECT "tag_sk", "date_sk", "datasets_count", "new_assignments", "total_views", "total_downloads", "share_of_tagged", "run_date", "pipeline_run_id", "created_at_ts" FROM "stage_fact_tag_usage_daily";

INSERT INTO "meta_gold"."bridge_dataset_tag" ("dataset_sk", "tag_sk", "weight", "run_date", "pipeline_run_id", "created_at_ts")
SELECT "dataset_sk", "tag_sk", "weight", "run_date", "pipeline_run_id", "created_at_ts" FROM "stage_bridge_dataset_tag";

DELETE FROM "meta_gold"."_metalake_exports" WHERE "lake_dir" IN ('gold/dim_date/', 'gold/dim_user/', 'gold/dim_dataset/', 'gold/dim_competition/', 'gold/dim_tag/', 'gold/fact_dataset_owner_daily/run_date=2024-03-03/', 'gold/fact_competitions_yearly/run_date=2024-03-03/', 'gold/fact_tag_usage_daily/run_date=2024-03-03/', 'gold/bridge_dataset_tag/run_date=2024-03-03/');

INSERT INTO "meta_gold"."_metalake_exports" ("lake_dir", "table_name", "run_date", "attempt", "row_count", "lake", "exported_at") VALUES
  ('gold/dim_date/', 'dim_date', NULL, 'A-dim_date', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/dim_user/', 'dim_user', NULL, 'A-dim_user', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/dim_dataset/', 'dim_dataset', NULL, 'A-dim_dataset', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/dim_competition/', 'dim_competition', NULL, 'A-dim_competition', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/dim_tag/', 'dim_tag', NULL, 'A-dim_tag', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/fact_dataset_owner_daily/run_date=2024-03-03/', 'fact_dataset_owner_daily', CAST('2024-03-03' AS DATE), 'A-fact_dataset_owner_daily', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/fact_competitions_yearly/run_date=2024-03-03/', 'fact_competitions_yearly', CAST('2024-03-03' AS DATE), 'A-fact_competitions_yearly', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/fact_tag_usage_daily/run_date=2024-03-03/', 'fact_tag_usage_daily', CAST('2024-03-03' AS DATE), 'A-fact_tag_usage_daily', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/bridge_dataset_tag/run_date=2024-03-03/', 'bridge_dataset_tag', CAST('2024-03-03' AS DATE), 'A-bridge_dataset_tag', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP));

DROP TABLE "stage_dim_date";

DROP TABLE "stage_dim_user";

DROP TABLE "stage_dim_dataset";

DROP TABLE "stage_dim_competition";

DROP TABLE "stage_dim_tag";

DROP TABLE "stage_fact_dataset_owner_daily";

DROP TABLE "stage_fact_competitions_yearly";

DROP TABLE "stage_fact_tag_usage_daily";

DROP TABLE "stage_bridge_dataset_tag";

COMMIT;
