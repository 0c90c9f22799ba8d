variable "name_prefix" {
  description = "Prefix of the IAM names (roles, policy, user), e.g. metalake-dev."
  type        = string
}

variable "bucket_name" {
  description = "Name of the lake bucket."
  type        = string
}

variable "lake_prefix" {
  description = "Key prefix of the lake inside the bucket, without leading or trailing slash."
  type        = string
}

variable "glue_databases" {
  description = "Glue database name per lake layer; must hold bronze, silver and gold."
  type        = map(string)

  validation {
    condition     = alltrue([for layer in ["bronze", "silver", "gold"] : contains(keys(var.glue_databases), layer)])
    error_message = "glue_databases must name the bronze, silver and gold databases."
  }
}

variable "workgroup_name" {
  description = "Name of the Athena workgroup the pipeline may use."
  type        = string
}

variable "pipeline_trusted_principals" {
  description = "IAM ARNs (users, roles, accounts) allowed to assume the pipeline role. Empty: this account (its IAM policies decide who)."
  type        = list(string)
  default     = []
}

variable "pipeline_trusted_services" {
  description = "AWS service principals allowed to assume the pipeline role, e.g. [\"ec2.amazonaws.com\"]."
  type        = list(string)
  default     = []
}

variable "create_pipeline_user" {
  description = "Also create an IAM user with the pipeline policy (no access key: create it outside Terraform)."
  type        = bool
  default     = false
}
