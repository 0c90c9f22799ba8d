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

ALTER TABLE "meta_gold"."dim_tag" ADD COLUMN "tag_category" VARCHAR(65535);

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

DELETE FROM "meta_gold"."_metalake_exports" WHERE "lake_dir" IN ('gold/dim_tag/', 'gold/fact_dataset_owner_daily/run_date=2024-03-03/', 'gold/fact_competitions_yearly/run_date=2024-03-03/', 'gold/fact_tag_usage_daily/run_date=2024-03-03/', 'gold/bridge_dataset_tag/run_date=2024-03-03/');

INSERT INTO "meta_gold"."_metalake_exports" ("lake_dir", "table_name", "run_date", "attempt", "row_count", "lake", "exported_at") VALUES
  ('gold/dim_tag/', 'dim_tag', NULL, 'A-dim_tag', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/fact_dataset_owner_daily/run_date=2024-03-03/', 'fact_dataset_owner_daily', CAST('2024-03-03' AS DATE), 'A-fact_dataset_owner_daily', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/fact_competitions_yearly/run_date=2024-03-03/', 'fact_competitions_yearly', CAST('2024-03-03' AS DATE), 'A-fact_competitions_yearly', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/fact_tag_usage_daily/run_date=2024-03-03/', 'fact_tag_usage_daily', CAST('2024-03-03' AS DATE), 'A-fact_tag_usage_daily', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP)),
  ('gold/bridge_dataset_tag/run_date=2024-03-03/', 'bridge_dataset_tag', CAST('2024-03-03' AS DATE), 'A-bridge_dataset_tag', 100, 's3://metalake-lake/meta', CAST('2024-03-04 02:00:00' AS TIMESTAMP));

DROP TABLE "stage_dim_tag";

DROP TABLE "stage_fact_dataset_owner_daily";

DROP TABLE "stage_fact_competitions_yearly";

DROP TABLE "stage_fact_tag_usage_daily";

DROP TABLE "stage_bridge_dataset_tag";

COMMIT;
