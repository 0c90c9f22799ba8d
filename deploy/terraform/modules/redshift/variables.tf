variable "name" {
  description = "Name of the cluster, its subnet group and (as a prefix) its security group."
  type        = string
}

variable "redshift_role_arn" {
  description = "ARN of the role Redshift assumes for Spectrum (the iam module's redshift role)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets of the cluster's subnet group."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids needs at least one subnet of the VPC."
  }
}

variable "allowed_cidr_blocks" {
  description = "CIDR blocks whose SQL clients may connect on port 5439."
  type        = list(string)
  default     = []
}

variable "node_type" {
  description = "Node type; the default is the smallest RA3 node."
  type        = string
  default     = "ra3.large"
}

variable "number_of_nodes" {
  description = "Number of nodes; 1 makes a single-node cluster."
  type        = number
  default     = 1

  validation {
    condition     = var.number_of_nodes >= 1
    error_message = "number_of_nodes must be at least 1."
  }
}

variable "database_name" {
  description = "Name of the cluster's first database."
  type        = string
  default     = "metalake"
}

variable "master_username" {
  description = "Admin user; its password is generated and kept in Secrets Manager by Redshift."
  type        = string
  default     = "metalake_admin"
}

variable "skip_final_snapshot" {
  description = "Delete the cluster without a final snapshot on destroy."
  type        = bool
  default     = false
}
