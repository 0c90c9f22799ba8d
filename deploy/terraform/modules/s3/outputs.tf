output "bucket_name" {
  description = "Name of the lake bucket."
  value       = aws_s3_bucket.lake.id
}

output "bucket_arn" {
  description = "ARN of the lake bucket."
  value       = aws_s3_bucket.lake.arn
}

output "lake_uri" {
  description = "The lake URI to pass to metalake --lake."
  value       = "s3://${aws_s3_bucket.lake.id}/${var.lake_prefix}"
}
