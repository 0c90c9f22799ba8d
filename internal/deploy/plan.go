// Package deploy makes an S3 lake ready for AWS analytics (SPEC §9): the bucket with
// versioning, default encryption and lifecycle rules, the Glue databases of the three layers and
// the Athena workgroup. `metalake setup` runs it; it is idempotent (what exists is checked and
// brought in line, never duplicated). The Terraform modules in deploy/terraform declare the same
// names and policies; a test keeps the two equal.
package deploy

// The names and policies SPEC §9 fixes.
const (
	// Workgroup is the Athena workgroup; its query results go under ResultsDir in the lake prefix.
	Workgroup  = "meta-analytics"
	ResultsDir = "athena-results/"

	// Raw snapshots move to Standard-IA after RawToInfrequentAccessDays and to Glacier after
	// RawToGlacierDays (rule RawTieringRule, on the lake's raw/ prefix).
	RawTieringRule            = "metalake-raw-tiering"
	RawToInfrequentAccessDays = 30
	RawToGlacierDays          = 90

	// A multipart upload a killed run left behind is invisible but billed: S3 aborts it after
	// AbortIncompleteUploadDays (rule AbortUploadsRule, on the whole lake prefix).
	AbortUploadsRule          = "metalake-abort-incomplete-uploads"
	AbortIncompleteUploadDays = 7

	// With versioning on, every replaced partition and swept file stays as a noncurrent
	// version: they expire after NoncurrentVersionDays (rule NoncurrentRule, whole lake prefix).
	NoncurrentRule        = "metalake-noncurrent-versions"
	NoncurrentVersionDays = 30

	// Encryption is S3-managed keys (SSE-S3, "AES256").
	Encryption = "AES256"
)

// Database is one Glue database: the catalog of one lake layer.
type Database struct {
	Name, Layer, Description string
}

// Databases are the Glue databases, one per layer.
var Databases = []Database{
	{Name: "meta_bronze", Layer: "bronze", Description: "metalake bronze: typed, validated Meta Kaggle snapshots"},
	{Name: "meta_silver", Layer: "silver", Description: "metalake silver: deduplicated, cleaned, enriched tables"},
	{Name: "meta_gold", Layer: "gold", Description: "metalake gold: star schema (dimensions, facts, bridge)"},
}
