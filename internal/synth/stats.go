package synth

import "time"

// Defect kinds, as counted in TableStats.Defects. Each defective row carries exactly one
// kind, every other field of the row is valid, and each kind has exactly one expected bronze
// outcome (in brackets), so bronze's reject counts can be asserted exactly.
const (
	// DefectNullID: empty Id [user_id / dataset_id / id is null]. users, datasets,
	// competitions, kernels.
	DefectNullID = "null_id"
	// DefectEmptyName: UserName of spaces [user_name is empty]. users.
	DefectEmptyName = "empty_name"
	// DefectNullName: empty UserName [user_name is null]. users.
	DefectNullName = "null_name"
	// DefectBadDate: RegisterDate "13/45/YYYY" [signup_ts is not a valid timestamp/date]. users.
	DefectBadDate = "bad_date"
	// DefectBadCountry: Country "USA" or "X" [country_code length != 2]. users, plan layout.
	DefectBadCountry = "bad_country"
	// DefectUnmappedCountry: a Country name not in the country table ("Atlantis"). users,
	// Kaggle layout. Not a reject: bronze counts it in unmapped_countries and nulls the code.
	DefectUnmappedCountry = "unmapped_country"
	// DefectNegativeViews: TotalViews < 0 [total_views < 0]. datasets, kernels.
	DefectNegativeViews = "negative_views"
	// DefectNegativeDownloads: TotalDownloads < 0 [total_downloads < 0]. datasets.
	DefectNegativeDownloads = "negative_downloads"
	// DefectUpdatedBeforeCreated: LastActivityDate / LastUpdatedDate at least 2 days before
	// CreationDate [updated_ts < created_ts]. datasets.
	DefectUpdatedBeforeCreated = "updated_before_created"
	// DefectNonNumeric: TotalViews like "12a3" [total_views is not a valid integer]. datasets.
	DefectNonNumeric = "non_numeric"
	// DefectNullOwner: no owner (plan: empty CreatorUserId; Kaggle: empty OwnerUserId and
	// CreatorUserId) [owner_user_id is null]. datasets.
	DefectNullOwner = "null_owner"
	// DefectMissingVersion: CurrentDatasetVersionId names no DatasetVersions row
	// [dataset_title is null]. datasets, Kaggle layout.
	DefectMissingVersion = "missing_version"
	// DefectEmptyTitle: Title of spaces [dataset_title is empty]. datasets, plan layout.
	DefectEmptyTitle = "empty_title"
	// DefectBadJSON: Tags is not a JSON array [tags is not a JSON array]. tags, plan layout.
	DefectBadJSON = "bad_json"
	// DefectLongTag: one tag of 120 characters in an otherwise valid array; one rejected
	// exploded tag [tag longer than 100 chars]. tags, plan layout.
	DefectLongTag = "long_tag"
	// DefectMissingTag: DatasetTags.TagId names no Tags row [tag is null]. dataset_tags.
	DefectMissingTag = "missing_tag"
	// DefectNegativeTeams: TotalTeams < 0 [total_teams < 0]. competitions.
	DefectNegativeTeams = "negative_teams"
	// DefectMalformed: a valid record with one extra field appended (",x"): one structurally
	// broken record [malformed csv line]. Every table.
	DefectMalformed = "malformed"
	// DefectTruncated: an extra last record cut off inside a quoted field, with no closing
	// quote and no line end, as a crashed writer leaves it [malformed csv line]. At most one
	// per file, only on odd day indexes, only when DefectRate > 0 and only while the file's
	// defect budget (twice DefectRate of its records) has room. Every table.
	DefectTruncated = "truncated"
)

// Stats reports what Generate wrote.
type Stats struct {
	Days []DayStats // in day order
}

// DayStats reports one ingestion date.
type DayStats struct {
	Date   time.Time             // UTC midnight
	Tables map[string]TableStats // by raw table name (users, datasets, …)
}

// TableStats reports one raw file.
type TableStats struct {
	Table string
	Key   string // object key of the file
	Bytes int64  // file size

	// Rows counts data records (the header excluded): clean rows, defective rows, duplicate
	// copies and a truncated last record alike. A multi-line record counts once.
	Rows int64
	// Defects counts defective records by kind (the Defect* constants); a kind never injected
	// is absent. Every defective record carries exactly one kind.
	Defects map[string]int64
	// Duplicates counts records that are exact copies of the record before them (never of a
	// defective one). They are not defects.
	Duplicates int64

	// For the plan layout's tags table only, so bronze's exploded counts can be checked:
	// TagElements counts the JSON array elements of every record that holds a valid array
	// (duplicate copies included, the long_tag element included), DuplicateTagElements those
	// of the duplicate copies, EmptyTagRows the records whose Tags is [] or empty. Within one
	// array the elements are distinct after lower(trim()).
	TagElements          int64
	DuplicateTagElements int64
	EmptyTagRows         int64
}

// DefectRows returns the number of defective records (all kinds).
func (t TableStats) DefectRows() int64 {
	var n int64
	for _, c := range t.Defects {
		n += c
	}
	return n
}

// Table returns the stats of one table on one day (0-based), and false if absent.
func (s Stats) Table(day int, table string) (TableStats, bool) {
	if day < 0 || day >= len(s.Days) {
		return TableStats{}, false
	}
	t, ok := s.Days[day].Tables[table]
	return t, ok
}

// IsReject reports whether bronze is expected to reject a record of this defect kind. Only
// unmapped_country is not a reject (the row is kept with a NULL country code and counted).
func IsReject(kind string) bool { return kind != DefectUnmappedCountry }
