variable "bucket_name" {
  description = "Name of the lake bucket to create (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens."
  }
}

variable "lake_prefix" {
  description = "Key prefix of the lake inside the bucket: the lake URI is s3://BUCKET/PREFIX."
  type        = string
  default     = "meta"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$", var.lake_prefix))
    error_message = "lake_prefix must be non-empty, without a leading or trailing slash (e.g. \"meta\" or \"teams/meta\")."
  }
}

variable "region" {
  description = "AWS region of every resource."
  type        = string
  default     = "us-west-1"
}

variable "environment" {
  description = "Environment name: part of the IAM and Redshift names and the Environment tag."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z0-9-]+$", var.environment))
    error_message = "environment must be lowercase letters, digits and hyphens."
  }
}

variable "tags" {
  description = "Tags added to every resource (next to Project, Environment and ManagedBy)."
  type        = map(string)
  default     = {}
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a non-empty bucket and the workgroup's query history. Only for throwaway environments."
  type        = bool
  default     = false
}

variable "pipeline_trusted_principals" {
  description = "IAM ARNs allowed to assume the pipeline role. Empty: identities of this account that their own policies allow to."
  type        = list(string)
  default     = []
}

variable "pipeline_trusted_services" {
  description = "Service principals allowed to assume the pipeline role, e.g. [\"ec2.amazonaws.com\"] or [\"ecs-tasks.amazonaws.com\"]."
  type        = list(string)
  default     = []
}

variable "create_pipeline_user" {
  description = "Also create an IAM user with the pipeline policy (its access key is made outside Terraform)."
  type        = bool
  default     = false
}

variable "enable_redshift" {
  description = "Create a Redshift cluster that reads gold through Spectrum."
  type        = bool
  default     = false
}

variable "redshift_vpc_id" {
  description = "VPC of the Redshift cluster (required with enable_redshift)."
  type        = string
  default     = null
}

variable "redshift_subnet_ids" {
  description = "Private subnets of the Redshift cluster (required with enable_redshift)."
  type        = list(string)
  default     = []
}

variable "redshift_allowed_cidr_blocks" {
  description = "CIDR blocks whose SQL clients may reach Redshift on port 5439."
  type        = list(string)
  default     = []
}

variable "redshift_node_type" {
  description = "Redshift node type."
  type        = string
  default     = "ra3.large"
}

variable "redshift_number_of_nodes" {
  description = "Number of Redshift nodes (1: single-node)."
  type        = number
  default     = 1
}

variable "redshift_database_name" {
  description = "Name of the Redshift cluster's first database."
  type        = string
  default     = "metalake"
}

variable "redshift_master_username" {
  description = "Redshift admin user (its password is kept in Secrets Manager by Redshift)."
  type        = string
  default     = "metalake_admin"
}

variable "redshift_skip_final_snapshot" {
  description = "Destroy the Redshift cluster without a final snapshot."
  type        = bool
  default     = false
}
