output "lake_uri" {
  description = "Pass to metalake: metalake run --lake <lake_uri> …"
  value       = module.s3.lake_uri
}

output "bucket_name" {
  description = "Name of the lake bucket."
  value       = module.s3.bucket_name
}

output "bucket_arn" {
  description = "ARN of the lake bucket."
  value       = module.s3.bucket_arn
}

output "glue_databases" {
  description = "Glue database per lake layer."
  value       = module.glue.database_names
}

output "athena_workgroup" {
  description = "Athena workgroup for SQL over the lake."
  value       = module.glue.workgroup_name
}

output "athena_results_location" {
  description = "Where Athena writes query results."
  value       = module.glue.results_location
}

output "pipeline_role_arn" {
  description = "Role metalake runs as (assume it, or attach pipeline_policy_arn elsewhere)."
  value       = module.iam.pipeline_role_arn
}

output "pipeline_policy_arn" {
  description = "The pipeline's least-privilege managed policy."
  value       = module.iam.pipeline_policy_arn
}

output "pipeline_user_name" {
  description = "Pipeline IAM user, or null when create_pipeline_user is false."
  value       = module.iam.pipeline_user_name
}

output "glue_role_arn" {
  description = "Glue service role (reads the lake)."
  value       = module.iam.glue_role_arn
}

output "redshift_role_arn" {
  description = "Role for Redshift Spectrum (reads gold)."
  value       = module.iam.redshift_role_arn
}

output "redshift_endpoint" {
  description = "host:port of the Redshift cluster, or null when enable_redshift is false."
  value       = one(module.redshift[*].endpoint)
}

output "redshift_master_password_secret_arn" {
  description = "Secrets Manager secret with the Redshift admin password, or null."
  value       = one(module.redshift[*].master_password_secret_arn)
}

output "redshift_external_schema_sql" {
  description = "Run once in Redshift to query gold as the schema gold."
  value       = "CREATE EXTERNAL SCHEMA IF NOT EXISTS gold FROM DATA CATALOG DATABASE '${module.glue.database_names["gold"]}' IAM_ROLE '${module.iam.redshift_role_arn}' REGION '${var.region}';"
}
