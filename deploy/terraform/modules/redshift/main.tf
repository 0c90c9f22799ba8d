# A small, private Redshift cluster for SQL over gold through Spectrum: the data stays in S3,
# Redshift reads it through the Glue catalog with the role of the iam module. The external schema
# is made in SQL, not here (see deploy/terraform/README.md).

resource "aws_redshift_subnet_group" "this" {
  name        = var.name
  description = "metalake Redshift cluster subnets"
  subnet_ids  = var.subnet_ids
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-redshift-"
  description = "metalake Redshift: SQL clients in on 5439, HTTPS out"
  vpc_id      = var.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "sql" {
  for_each = toset(var.allowed_cidr_blocks)

  security_group_id = aws_security_group.this.id
  description       = "Redshift SQL clients"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 5439
  to_port           = 5439
}

# Spectrum reaches S3 and Glue over HTTPS (through the VPC when enhanced VPC routing is on).
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to S3 and Glue"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_redshift_cluster" "this" {
  cluster_identifier = var.name
  node_type          = var.node_type
  cluster_type       = var.number_of_nodes > 1 ? "multi-node" : "single-node"
  number_of_nodes    = var.number_of_nodes
  database_name      = var.database_name
  master_username    = var.master_username

  # Redshift keeps the admin password in Secrets Manager: it never enters Terraform state.
  manage_master_password = true

  cluster_subnet_group_name = aws_redshift_subnet_group.this.name
  vpc_security_group_ids    = [aws_security_group.this.id]
  publicly_accessible       = false
  encrypted                 = true

  iam_roles            = [var.redshift_role_arn]
  default_iam_role_arn = var.redshift_role_arn

  automated_snapshot_retention_period = 1
  skip_final_snapshot                 = var.skip_final_snapshot
  final_snapshot_identifier           = var.skip_final_snapshot ? null : "${var.name}-final"
}
