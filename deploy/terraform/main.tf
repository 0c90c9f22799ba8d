# metalake on AWS (SPEC §9): the lake bucket, the Glue databases of its layers, the Athena
# workgroup, least-privilege IAM roles and, optionally, a Redshift cluster for Spectrum.
# `metalake setup` makes the bucket/Glue/Athena part the same way through the AWS API; the names
# and policies of both live in internal/deploy/plan.go, and internal/deploy/terraform_test.go
# keeps these modules equal to them.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = "metalake"
      Environment = var.environment
      ManagedBy   = "terraform"
    })
  }
}

locals {
  name_prefix = "metalake-${var.environment}"
}

module "s3" {
  source = "./modules/s3"

  bucket_name   = var.bucket_name
  lake_prefix   = var.lake_prefix
  force_destroy = var.force_destroy
}

module "glue" {
  source = "./modules/glue"

  # From the s3 module, not var.bucket_name: the databases' locations and the workgroup's
  # results need the bucket to exist first.
  bucket_name   = module.s3.bucket_name
  lake_prefix   = var.lake_prefix
  force_destroy = var.force_destroy
}

module "iam" {
  source = "./modules/iam"

  name_prefix                 = local.name_prefix
  bucket_name                 = module.s3.bucket_name
  lake_prefix                 = var.lake_prefix
  glue_databases              = module.glue.database_names
  workgroup_name              = module.glue.workgroup_name
  pipeline_trusted_principals = var.pipeline_trusted_principals
  pipeline_trusted_services   = var.pipeline_trusted_services
  create_pipeline_user        = var.create_pipeline_user
}

module "redshift" {
  source = "./modules/redshift"
  count  = var.enable_redshift ? 1 : 0

  name                = local.name_prefix
  redshift_role_arn   = module.iam.redshift_role_arn
  vpc_id              = var.redshift_vpc_id
  subnet_ids          = var.redshift_subnet_ids
  allowed_cidr_blocks = var.redshift_allowed_cidr_blocks
  node_type           = var.redshift_node_type
  number_of_nodes     = var.redshift_number_of_nodes
  database_name       = var.redshift_database_name
  master_username     = var.redshift_master_username
  skip_final_snapshot = var.redshift_skip_final_snapshot
}
