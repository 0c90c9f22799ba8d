# Least-privilege identities for the lake:
#   - pipeline: what `metalake run`, `query`, `monitor` … need on AWS (objects under the lake
#     prefix, the layers' Glue tables, the Athena workgroup). A role, and optionally a user.
#   - glue:     a Glue service role that can read the lake, for Glue jobs a team adds later.
#   - redshift: the role Redshift Spectrum assumes to read gold through the Glue catalog.
#
# Every statement names its actions one by one and its resources by ARN: no "*" action, no "*"
# resource (none of the actions below needs one). Creating the bucket, the databases and the
# workgroup is not the pipeline's business: Terraform (or an administrator running
# `metalake setup`) does that.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name

  bucket_arn       = "arn:${local.partition}:s3:::${var.bucket_name}"
  lake_objects_arn = "${local.bucket_arn}/${var.lake_prefix}/*"
  gold_objects_arn = "${local.bucket_arn}/${var.lake_prefix}/gold/*"

  glue_arn_base      = "arn:${local.partition}:glue:${local.region}:${local.account_id}"
  catalog_arn        = "${local.glue_arn_base}:catalog"
  lake_database_arns = [for name in values(var.glue_databases) : "${local.glue_arn_base}:database/${name}"]
  lake_table_arns    = [for name in values(var.glue_databases) : "${local.glue_arn_base}:table/${name}/*"]
  gold_database_arn  = "${local.glue_arn_base}:database/${var.glue_databases["gold"]}"
  gold_table_arn     = "${local.glue_arn_base}:table/${var.glue_databases["gold"]}/*"

  workgroup_arn = "arn:${local.partition}:athena:${local.region}:${local.account_id}:workgroup/${var.workgroup_name}"

  # Without explicit principals, any identity of this account that is itself allowed
  # sts:AssumeRole on the role may assume it (the account delegates to its own IAM policies).
  pipeline_principals = length(var.pipeline_trusted_principals) > 0 ? var.pipeline_trusted_principals : ["arn:${local.partition}:iam::${local.account_id}:root"]
}

# ---------------------------------------------------------------------------------------------
# Pipeline

data "aws_iam_policy_document" "pipeline" {
  statement {
    sid    = "LakeObjects"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [local.lake_objects_arn]
  }

  statement {
    sid       = "ListLakePrefix"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.lake_prefix}/", "${var.lake_prefix}/*"]
    }
  }

  # s3:ListBucketMultipartUploads has no s3:prefix condition key: a prefix condition would deny
  # every call, so it is granted on the bucket alone (it shows upload keys and ids, never data).
  # Athena asks for the results bucket's location before it writes there.
  statement {
    sid       = "BucketMetadata"
    effect    = "Allow"
    actions   = ["s3:ListBucketMultipartUploads", "s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  statement {
    sid    = "LakeCatalog"
    effect = "Allow"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:GetTableVersions",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
      "glue:CreateTable",
      "glue:UpdateTable",
      "glue:CreatePartition",
      "glue:BatchCreatePartition",
      "glue:UpdatePartition",
      "glue:BatchUpdatePartition",
    ]
    resources = concat([local.catalog_arn], local.lake_database_arns, local.lake_table_arns)
  }

  statement {
    sid    = "AnalyticsWorkgroup"
    effect = "Allow"
    actions = [
      "athena:GetWorkGroup",
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
    ]
    resources = [local.workgroup_arn]
  }
}

resource "aws_iam_policy" "pipeline" {
  name        = "${var.name_prefix}-pipeline"
  description = "metalake pipeline: the lake prefix of ${var.bucket_name}, its Glue databases and the ${var.workgroup_name} workgroup"
  policy      = data.aws_iam_policy_document.pipeline.json
}

data "aws_iam_policy_document" "pipeline_trust" {
  statement {
    sid     = "TrustedPrincipals"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = local.pipeline_principals
    }
  }

  # E.g. ec2.amazonaws.com or ecs-tasks.amazonaws.com, when metalake runs on an instance or task.
  dynamic "statement" {
    for_each = length(var.pipeline_trusted_services) > 0 ? [var.pipeline_trusted_services] : []

    content {
      sid     = "TrustedServices"
      effect  = "Allow"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "Service"
        identifiers = statement.value
      }
    }
  }
}

resource "aws_iam_role" "pipeline" {
  name               = "${var.name_prefix}-pipeline"
  description        = "metalake pipeline (run, query, monitor) on the lake"
  assume_role_policy = data.aws_iam_policy_document.pipeline_trust.json
}

resource "aws_iam_role_policy_attachment" "pipeline" {
  role       = aws_iam_role.pipeline.name
  policy_arn = aws_iam_policy.pipeline.arn
}

# The user gets no access key here: a key made by Terraform would sit in its state in clear
# text. Make one with `aws iam create-access-key --user-name <name>` when a user is needed.
resource "aws_iam_user" "pipeline" {
  count = var.create_pipeline_user ? 1 : 0

  name = "${var.name_prefix}-pipeline"
}

resource "aws_iam_user_policy_attachment" "pipeline" {
  count = var.create_pipeline_user ? 1 : 0

  user       = aws_iam_user.pipeline[0].name
  policy_arn = aws_iam_policy.pipeline.arn
}

# ---------------------------------------------------------------------------------------------
# Glue service role

data "aws_iam_policy_document" "glue_trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "glue" {
  statement {
    sid       = "ReadLakeObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.lake_objects_arn]
  }

  statement {
    sid       = "ListLakePrefix"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.lake_prefix}/", "${var.lake_prefix}/*"]
    }
  }

  statement {
    sid       = "BucketLocation"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  statement {
    sid    = "ReadLakeCatalog"
    effect = "Allow"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
    ]
    resources = concat([local.catalog_arn], local.lake_database_arns, local.lake_table_arns)
  }

  # Glue jobs write their logs to the /aws-glue/ log groups.
  statement {
    sid    = "GlueLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/*",
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/*:log-stream:*",
    ]
  }
}

resource "aws_iam_role" "glue" {
  name               = "${var.name_prefix}-glue"
  description        = "Glue service role: reads the metalake lake and its catalog"
  assume_role_policy = data.aws_iam_policy_document.glue_trust.json
}

resource "aws_iam_role_policy" "glue" {
  name   = "read-lake"
  role   = aws_iam_role.glue.id
  policy = data.aws_iam_policy_document.glue.json
}

# ---------------------------------------------------------------------------------------------
# Redshift (Spectrum) role

data "aws_iam_policy_document" "redshift_trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "redshift" {
  statement {
    sid       = "ReadGoldObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.gold_objects_arn]
  }

  statement {
    sid       = "ListGoldPrefix"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.lake_prefix}/gold/", "${var.lake_prefix}/gold/*"]
    }
  }

  statement {
    sid       = "BucketLocation"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  # Spectrum reads table definitions from the gold database (CREATE EXTERNAL SCHEMA … FROM
  # DATA CATALOG DATABASE 'meta_gold'); it never creates or changes them.
  statement {
    sid    = "ReadGoldCatalog"
    effect = "Allow"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
    ]
    resources = [local.catalog_arn, local.gold_database_arn, local.gold_table_arn]
  }
}

resource "aws_iam_role" "redshift" {
  name               = "${var.name_prefix}-redshift"
  description        = "Redshift Spectrum: reads metalake gold through the Glue catalog"
  assume_role_policy = data.aws_iam_policy_document.redshift_trust.json
}

resource "aws_iam_role_policy" "redshift" {
  name   = "read-gold"
  role   = aws_iam_role.redshift.id
  policy = data.aws_iam_policy_document.redshift.json
}
