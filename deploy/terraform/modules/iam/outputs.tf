output "pipeline_policy_arn" {
  description = "ARN of the pipeline's managed policy (attach it to another identity if needed)."
  value       = aws_iam_policy.pipeline.arn
}

output "pipeline_role_arn" {
  description = "ARN of the pipeline role."
  value       = aws_iam_role.pipeline.arn
}

output "pipeline_user_name" {
  description = "Name of the pipeline user, or null when create_pipeline_user is false."
  value       = one(aws_iam_user.pipeline[*].name)
}

output "glue_role_arn" {
  description = "ARN of the Glue service role."
  value       = aws_iam_role.glue.arn
}

output "redshift_role_arn" {
  description = "ARN of the Redshift Spectrum role (the IAM_ROLE of CREATE EXTERNAL SCHEMA)."
  value       = aws_iam_role.redshift.arn
}
