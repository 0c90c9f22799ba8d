variable "bucket_name" {
  description = "Name of the lake bucket (created here)."
  type        = string
}

variable "lake_prefix" {
  description = "Key prefix of the lake inside the bucket, without leading or trailing slash (the lake URI is s3://BUCKET/PREFIX)."
  type        = string
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a bucket that still holds objects (every version). Keep false outside throwaway environments."
  type        = bool
  default     = false
}
