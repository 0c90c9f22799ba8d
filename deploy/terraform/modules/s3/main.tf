# The lake bucket, configured as `metalake setup` configures it (internal/deploy/plan.go holds the
# names and day counts; internal/deploy/terraform_test.go keeps this file equal to them).
#
# No placeholder "folder" objects: S3 has no directories, metalake lists key prefixes, and a
# zero-byte "raw/users/" key would only show up as a stray entry in listings.

resource "aws_s3_bucket" "lake" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

# ACLs off: the bucket owner owns every object, access is decided by IAM policies alone.
resource "aws_s3_bucket_ownership_controls" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket = aws_s3_bucket.lake.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# A rerun replaces a partition and the sweep deletes files: versioning keeps the previous
# objects recoverable until the noncurrent-version rule below expires them.
resource "aws_s3_bucket_versioning" "lake" {
  bucket = aws_s3_bucket.lake.id

  versioning_configuration {
    status = "Enabled"
  }
}

# SSE-S3 (deploy.Encryption).
resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# The three rules of deploy.RawTieringRule, deploy.AbortUploadsRule and deploy.NoncurrentRule,
# with their day counts. They apply to the lake prefix only, so other data in the bucket keeps
# its own lifecycle.
resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  # Noncurrent-version rules only mean something once versioning is on.
  depends_on = [aws_s3_bucket_versioning.lake]

  # Raw snapshots are read once, by the bronze run of their day (and by a forced rerun, which
  # asks for a restore once they are in Glacier).
  rule {
    id     = "metalake-raw-tiering"
    status = "Enabled"

    filter {
      prefix = "${var.lake_prefix}/raw/"
    }

    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }

    transition {
      days          = 90
      storage_class = "GLACIER"
    }
  }

  # A killed run can leave a multipart upload behind: invisible in listings, billed anyway.
  rule {
    id     = "metalake-abort-incomplete-uploads"
    status = "Enabled"

    filter {
      prefix = "${var.lake_prefix}/"
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "metalake-noncurrent-versions"
    status = "Enabled"

    filter {
      prefix = "${var.lake_prefix}/"
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }
}
