output "database_names" {
  description = "Glue database name per lake layer (bronze, silver, gold)."
  value       = { for layer, db in aws_glue_catalog_database.layer : layer => db.name }
}

output "workgroup_name" {
  description = "Name of the Athena workgroup."
  value       = aws_athena_workgroup.analytics.name
}

output "results_location" {
  description = "Where the workgroup writes query results."
  value       = aws_athena_workgroup.analytics.configuration[0].result_configuration[0].output_location
}
