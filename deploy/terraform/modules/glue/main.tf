# The Glue databases of the lake's layers and the Athena workgroup, as `metalake setup` creates
# them (names and descriptions: internal/deploy/plan.go; a test keeps the two equal).
#
# No Glue crawlers: metalake records the schema, partitions and row counts of every table it
# writes, so a crawler would only guess at what is already known.

locals {
  # Keyed by layer: each database's location is that layer's folder of the lake.
  databases = {
    bronze = {
      name        = "meta_bronze"
      description = "metalake bronze: typed, validated Meta Kaggle snapshots"
    }
    silver = {
      name        = "meta_silver"
      description = "metalake silver: deduplicated, cleaned, enriched tables"
    }
    gold = {
      name        = "meta_gold"
      description = "metalake gold: star schema (dimensions, facts, bridge)"
    }
  }
}

resource "aws_glue_catalog_database" "layer" {
  for_each = local.databases

  name         = each.value.name
  description  = each.value.description
  location_uri = "s3://${var.bucket_name}/${var.lake_prefix}/${each.key}/"
}

resource "aws_athena_workgroup" "analytics" {
  name          = "meta-analytics"
  description   = "metalake: Meta Kaggle analytics over meta_bronze, meta_silver, meta_gold"
  state         = "ENABLED"
  force_destroy = var.force_destroy

  configuration {
    # Clients cannot send their results elsewhere or unencrypted.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true

    result_configuration {
      output_location = "s3://${var.bucket_name}/${var.lake_prefix}/athena-results/"

      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}
