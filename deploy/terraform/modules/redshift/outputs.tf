output "cluster_identifier" {
  description = "Identifier of the Redshift cluster."
  value       = aws_redshift_cluster.this.cluster_identifier
}

output "endpoint" {
  description = "host:port of the cluster."
  value       = aws_redshift_cluster.this.endpoint
}

output "database_name" {
  description = "The cluster's first database."
  value       = aws_redshift_cluster.this.database_name
}

output "master_password_secret_arn" {
  description = "Secrets Manager secret holding the admin password."
  value       = aws_redshift_cluster.this.master_password_secret_arn
}

output "security_group_id" {
  description = "Security group of the cluster (add ingress rules here for more clients)."
  value       = aws_security_group.this.id
}
