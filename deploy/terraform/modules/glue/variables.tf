variable "bucket_name" {
  description = "Name of the lake bucket."
  type        = string
}

variable "lake_prefix" {
  description = "Key prefix of the lake inside the bucket, without leading or trailing slash."
  type        = string
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the Athena workgroup together with its saved queries and query history."
  type        = bool
  default     = false
}
