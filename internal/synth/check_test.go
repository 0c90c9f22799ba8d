package synth_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/country"
	"github.com/metalake/metalake/internal/synth"
)

// parsed is one raw file read back with encoding/csv.
type parsed struct {
	header    []string
	col       map[string]int
	records   [][]string // well-formed data records, in file order
	dupOf     []bool     // records[i] is an exact copy of records[i-1]
	malformed int        // records with one field too many
	truncated int        // a last record with an unterminated quote
	all       int        // every data record, broken ones included
}

func (p *parsed) get(rec []string, c string) string { return rec[p.col[c]] }

// parseCSV reads a whole file. Records with the wrong number of fields are counted, not
// returned; an unterminated quote must be the file's very last record.
func parseCSV(t *testing.T, name string, data []byte) *parsed {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", name, err)
	}
	p := &parsed{header: header, col: map[string]int{}}
	for i, h := range header {
		p.col[h] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		switch {
		case err == nil:
			p.all++
			p.dupOf = append(p.dupOf, len(p.records) > 0 && slices.Equal(rec, p.records[len(p.records)-1]))
			p.records = append(p.records, rec)
		case errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount):
			p.all++
			if len(rec) != len(header)+1 || rec[len(rec)-1] != "x" {
				t.Errorf("%s line %d: %d fields, want a malformed record of %d ending in x", name, pe.Line, len(rec), len(header)+1)
			}
			p.malformed++
		case errors.As(err, &pe) && errors.Is(err, csv.ErrQuote):
			p.all++
			p.truncated++
			if _, err := r.Read(); err != io.EOF {
				t.Errorf("%s line %d: unterminated quote before the end of the file", name, pe.Line)
			}
			if bytes.HasSuffix(data, []byte("\n")) {
				t.Errorf("%s: a truncated file ends with a newline", name)
			}
			return p
		default:
			t.Fatalf("%s: %v", name, err)
		}
	}
	return p
}

// A checker returns the defect kinds a record shows, judged as bronze would, and reports any
// field that is invalid without being one of the defects (which would make a defect
// ambiguous). Each record must show at most one kind.
type checker func(t *testing.T, p *parsed, rec []string, ctx *checkCtx) []string

// checkCtx carries what a record is checked against: other files of the same day.
type checkCtx struct {
	plan       bool
	versionIDs map[string]string // DatasetVersions Id → Title
	tagIDs     map[string]bool
	codes      map[string]bool
}

var (
	planUserID    = regexp.MustCompile(`^U\d{6,}$`)
	planDatasetID = regexp.MustCompile(`^D\d{6,}$`)
	rewardQty     = regexp.MustCompile(`^\d+\.0000$`)
)

func isInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func atoi(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

func parseTime(s string, plan, dateOnly bool) (time.Time, bool) {
	layouts := []string{"01/02/2006 15:04:05"}
	switch {
	case plan && dateOnly:
		layouts = []string{"2006-01-02"}
	case plan:
		layouts = []string{"2006-01-02 15:04:05", "2006-01-02"}
	case dateOnly:
		layouts = []string{"01/02/2006"}
	}
	for _, l := range layouts {
		if tm, err := time.Parse(l, s); err == nil {
			return tm, true
		}
	}
	return time.Time{}, false
}

// field validity helpers: each reports a problem with t.Errorf.
func wantInt(t *testing.T, table, col, v string, nullable bool) {
	t.Helper()
	if v == "" && nullable {
		return
	}
	if !isInt(v) || atoi(v) < 0 {
		t.Errorf("%s.%s = %q: want a non-negative integer", table, col, v)
	}
}

func wantTime(t *testing.T, table, col, v string, plan, dateOnly, nullable bool) {
	t.Helper()
	if v == "" && nullable {
		return
	}
	if _, ok := parseTime(v, plan, dateOnly); !ok {
		t.Errorf("%s.%s = %q: want a valid timestamp/date", table, col, v)
	}
}

func wantBool(t *testing.T, table, col, v string) {
	t.Helper()
	if v != "True" && v != "False" {
		t.Errorf("%s.%s = %q: want True or False", table, col, v)
	}
}

func wantText(t *testing.T, table, col, v string) {
	t.Helper()
	if strings.TrimSpace(v) == "" {
		t.Errorf("%s.%s is empty", table, col)
	}
}

func checkUsers(t *testing.T, p *parsed, rec []string, c *checkCtx) []string {
	var kinds []string
	id := p.get(rec, "Id")
	switch {
	case id == "":
		kinds = append(kinds, synth.DefectNullID)
	case c.plan && !planUserID.MatchString(id), !c.plan && !isInt(id):
		t.Errorf("users.Id = %q", id)
	}
	switch name := p.get(rec, "UserName"); {
	case name == "":
		kinds = append(kinds, synth.DefectNullName)
	case strings.TrimSpace(name) == "":
		kinds = append(kinds, synth.DefectEmptyName)
	}
	reg := p.get(rec, "RegisterDate")
	if strings.HasPrefix(reg, "13/45/") {
		kinds = append(kinds, synth.DefectBadDate)
	} else {
		wantTime(t, "users", "RegisterDate", reg, c.plan, !c.plan, c.plan)
	}
	cn := p.get(rec, "Country")
	if c.plan {
		if len(cn) != 2 {
			kinds = append(kinds, synth.DefectBadCountry)
		} else if !c.codes[strings.ToUpper(cn)] {
			t.Errorf("users.Country = %q: not an ISO code", cn)
		}
		return kinds
	}
	wantText(t, "users", "DisplayName", p.get(rec, "DisplayName"))
	if tier := atoi(p.get(rec, "PerformanceTier")); tier < 1 || tier > 5 {
		t.Errorf("users.PerformanceTier = %q", p.get(rec, "PerformanceTier"))
	}
	if _, ok := country.Code(cn); cn != "" && !ok {
		kinds = append(kinds, synth.DefectUnmappedCountry)
	}
	wantBool(t, "users", "LocationSharingOptOut", p.get(rec, "LocationSharingOptOut"))
	return kinds
}

func checkDatasets(t *testing.T, p *parsed, rec []string, c *checkCtx) []string {
	var kinds []string
	id := p.get(rec, "Id")
	switch {
	case id == "":
		kinds = append(kinds, synth.DefectNullID)
	case c.plan && !planDatasetID.MatchString(id), !c.plan && !isInt(id):
		t.Errorf("datasets.Id = %q", id)
	}
	views := p.get(rec, "TotalViews")
	switch {
	case views == "" && c.plan:
	case !isInt(views):
		kinds = append(kinds, synth.DefectNonNumeric)
	case atoi(views) < 0:
		kinds = append(kinds, synth.DefectNegativeViews)
	}
	dl := p.get(rec, "TotalDownloads")
	switch {
	case dl == "" && c.plan:
	case !isInt(dl):
		t.Errorf("datasets.TotalDownloads = %q", dl)
	case atoi(dl) < 0:
		kinds = append(kinds, synth.DefectNegativeDownloads)
	}
	created, ok := parseTime(p.get(rec, "CreationDate"), c.plan, false)
	if !ok {
		t.Errorf("datasets.CreationDate = %q", p.get(rec, "CreationDate"))
	}
	updCol := "LastActivityDate"
	if c.plan {
		updCol = "LastUpdatedDate"
	}
	if u := p.get(rec, updCol); u != "" || !c.plan {
		upd, ok := parseTime(u, c.plan, !c.plan)
		if !ok {
			t.Errorf("datasets.%s = %q", updCol, u)
		}
		day := func(tm time.Time) time.Time { return tm.Truncate(24 * time.Hour) }
		if day(upd).Before(day(created)) {
			if day(created).Sub(day(upd)) < 48*time.Hour {
				t.Errorf("datasets %s: updated only %v before created", id, created.Sub(upd))
			}
			kinds = append(kinds, synth.DefectUpdatedBeforeCreated)
		}
	}
	wantText(t, "datasets", "Type", p.get(rec, "Type"))
	if c.plan {
		switch title := p.get(rec, "Title"); {
		case title == "":
			t.Errorf("datasets %s: null Title", id)
		case strings.TrimSpace(title) == "":
			kinds = append(kinds, synth.DefectEmptyTitle)
		}
		switch owner := p.get(rec, "CreatorUserId"); {
		case owner == "":
			kinds = append(kinds, synth.DefectNullOwner)
		case !planUserID.MatchString(owner):
			t.Errorf("datasets.CreatorUserId = %q", owner)
		}
		if v := strings.ToLower(p.get(rec, "IsPrivate")); v != "" && v != "true" && v != "false" {
			t.Errorf("datasets.IsPrivate = %q", v)
		}
		return kinds
	}
	creator, owner := p.get(rec, "CreatorUserId"), p.get(rec, "OwnerUserId")
	if creator == "" && owner == "" {
		kinds = append(kinds, synth.DefectNullOwner)
	} else {
		wantInt(t, "datasets", "CreatorUserId", creator, false)
		wantInt(t, "datasets", "OwnerUserId", owner, true)
	}
	wantInt(t, "datasets", "OwnerOrganizationId", p.get(rec, "OwnerOrganizationId"), true)
	if title, ok := c.versionIDs[p.get(rec, "CurrentDatasetVersionId")]; !ok {
		kinds = append(kinds, synth.DefectMissingVersion)
	} else if strings.TrimSpace(title) == "" {
		t.Errorf("datasets %s: current version has an empty title", id)
	}
	wantInt(t, "datasets", "CurrentDatasourceVersionId", p.get(rec, "CurrentDatasourceVersionId"), false)
	wantInt(t, "datasets", "ForumId", p.get(rec, "ForumId"), true)
	wantInt(t, "datasets", "TotalVotes", p.get(rec, "TotalVotes"), false)
	wantInt(t, "datasets", "TotalKernels", p.get(rec, "TotalKernels"), false)
	medal, medalAt := p.get(rec, "Medal"), p.get(rec, "MedalAwardDate")
	if (medal == "") != (medalAt == "") || (medal != "" && (atoi(medal) < 1 || atoi(medal) > 3)) {
		t.Errorf("datasets %s: Medal %q MedalAwardDate %q", id, medal, medalAt)
	}
	wantTime(t, "datasets", "MedalAwardDate", medalAt, false, true, true)
	return kinds
}

func checkDatasetVersions(t *testing.T, p *parsed, rec []string, c *checkCtx) []string {
	for _, col := range []string{"Id", "DatasetId", "DatasourceVersionId", "CreatorUserId", "VersionNumber"} {
		wantInt(t, "dataset_versions", col, p.get(rec, col), false)
	}
	for _, col := range []string{"TotalCompressedBytes", "TotalUncompressedBytes"} {
		wantInt(t, "dataset_versions", col, p.get(rec, col), true)
	}
	for _, col := range []string{"LicenseName", "Title", "Slug"} {
		wantText(t, "dataset_versions", col, p.get(rec, col))
	}
	wantTime(t, "dataset_versions", "CreationDate", p.get(rec, "CreationDate"), false, false, false)
	return nil
}

func checkKaggleTags(t *testing.T, p *parsed, rec []string, c *checkCtx) []string {
	wantInt(t, "tags", "Id", p.get(rec, "Id"), false)
	wantInt(t, "tags", "ParentTagId", p.get(rec, "ParentTagId"), true)
	for _, col := range []string{"Name", "Slug", "FullPath"} {
		wantText(t, "tags", col, p.get(rec, col))
	}
	for _, col := range []string{"DatasetCount", "CompetitionCount", "KernelCount"} {
		wantInt(t, "tags", col, p.get(rec, col), false)
	}
	return nil
}

func checkDatasetTags(t *testing.T, p *parsed, rec []string, c *checkCtx) []string {
	wantInt(t, "dataset_tags", "Id", p.get(rec, "Id"), false)
	wantInt(t, "dataset_tags", "DatasetId", p.get(rec, "DatasetId"), false)
	if !c.tagIDs[p.get(rec, "TagId")] {
		wantInt(t, "dataset_tags", "TagId", p.get(rec, "TagId"), false)
		return []string{synth.DefectMissingTag}
	}
	return nil
}

// planTags parses a plan-layout Tags value: nil, false for a value that is not a JSON array.
func planTags(v string) ([]string, bool) {
	if v == "" {
		return nil, true
	}
	var tags []string
	if err := json.Unmarshal([]byte(v), &tags); err != nil {
		return nil, false
	}
	return tags, true
}

func checkPlanTags(t *testing.T, p *parsed, rec []string, c *checkCtx) []string {
	if id := p.get(rec, "DatasetId"); !planDatasetID.MatchString(id) {
		t.Errorf("tags.DatasetId = %q", id)
	}
	tags, ok := planTags(p.get(rec, "Tags"))
	if !ok {
		return []string{synth.DefectBadJSON}
	}
	var kinds []string
	seen := map[string]bool{}
	for _, tg := range tags {
		n := strings.ToLower(strings.TrimSpace(tg))
		switch {
		case n == "":
			t.Errorf("tags: empty tag in %q", p.get(rec, "Tags"))
		case len([]rune(n)) > 100:
			kinds = append(kinds, synth.DefectLongTag)
		case seen[n]:
			t.Errorf("tags: %q twice after lower(trim) in %q", n, p.get(rec, "Tags"))
		}
		seen[n] = true
	}
	return kinds
}

var competitionBools = []string{"FinalLeaderboardHasBeenVerified", "HasKernels",
	"OnlyAllowKernelSubmissions", "HasLeaderboard", "BanTeamMergers", "EnableTeamModels",
	"CanQualifyTiers", "EnableSubmissionModelHashes", "EnableSubmissionModelAttachments",
	"HasScripts", "IsPrivate", "EvaluationAlgorithmIsMax"}

func checkCompetitions(t *testing.T, p *parsed, rec []string, c *checkCtx) []string {
	var kinds []string
	if id := p.get(rec, "Id"); id == "" {
		kinds = append(kinds, synth.DefectNullID)
	} else {
		wantInt(t, "competitions", "Id", id, false)
	}
	for _, col := range []string{"Slug", "Title", "HostSegmentTitle", "EvaluationAlgorithmAbbreviation"} {
		wantText(t, "competitions", col, p.get(rec, col))
	}
	for _, col := range []string{"EnabledDate", "DeadlineDate"} {
		wantTime(t, "competitions", col, p.get(rec, col), false, false, false)
	}
	for _, col := range []string{"ProhibitNewEntrantsDeadlineDate", "TeamMergerDeadlineDate", "TeamModelDeadlineDate", "ModelSubmissionDeadlineDate"} {
		wantTime(t, "competitions", col, p.get(rec, col), false, false, true)
	}
	for _, col := range competitionBools {
		wantBool(t, "competitions", col, p.get(rec, col))
	}
	if teams := p.get(rec, "TotalTeams"); isInt(teams) && atoi(teams) < 0 {
		kinds = append(kinds, synth.DefectNegativeTeams)
	} else {
		wantInt(t, "competitions", "TotalTeams", teams, false)
	}
	for _, col := range []string{"TotalCompetitors", "TotalSubmissions", "ForumId", "OrganizationId", "MaxTeamSize", "NumPrizes", "CompetitionTypeId"} {
		wantInt(t, "competitions", col, p.get(rec, col), col != "TotalCompetitors" && col != "TotalSubmissions" && col != "NumPrizes" && col != "CompetitionTypeId")
	}
	if q := p.get(rec, "RewardQuantity"); q != "" && !rewardQty.MatchString(q) {
		t.Errorf("competitions.RewardQuantity = %q", q)
	}
	if m := p.get(rec, "UserRankMultiplier"); m != "0" && m != "1" && m != "0.5" && m != "1E-16" {
		t.Errorf("competitions.UserRankMultiplier = %q", m)
	}
	return kinds
}

func checkKernels(t *testing.T, p *parsed, rec []string, c *checkCtx) []string {
	var kinds []string
	if id := p.get(rec, "Id"); id == "" {
		kinds = append(kinds, synth.DefectNullID)
	} else {
		wantInt(t, "kernels", "Id", id, false)
	}
	for _, col := range []string{"AuthorUserId", "CurrentKernelVersionId", "FirstKernelVersionId", "TotalComments", "TotalVotes"} {
		wantInt(t, "kernels", col, p.get(rec, col), false)
	}
	for _, col := range []string{"ForkParentKernelVersionId", "ForumTopicId", "Medal"} {
		wantInt(t, "kernels", col, p.get(rec, col), true)
	}
	wantTime(t, "kernels", "CreationDate", p.get(rec, "CreationDate"), false, false, false)
	wantTime(t, "kernels", "EvaluationDate", p.get(rec, "EvaluationDate"), false, false, true)
	wantTime(t, "kernels", "MadePublicDate", p.get(rec, "MadePublicDate"), false, true, true)
	wantTime(t, "kernels", "MedalAwardDate", p.get(rec, "MedalAwardDate"), false, true, true)
	wantBool(t, "kernels", "IsProjectLanguageTemplate", p.get(rec, "IsProjectLanguageTemplate"))
	wantText(t, "kernels", "CurrentUrlSlug", p.get(rec, "CurrentUrlSlug"))
	if v := p.get(rec, "TotalViews"); isInt(v) && atoi(v) < 0 {
		kinds = append(kinds, synth.DefectNegativeViews)
	} else {
		wantInt(t, "kernels", "TotalViews", v, false)
	}
	return kinds
}

func checkerFor(table string, plan bool) checker {
	switch table {
	case "users":
		return checkUsers
	case "datasets":
		return checkDatasets
	case "dataset_versions":
		return checkDatasetVersions
	case "tags":
		if plan {
			return checkPlanTags
		}
		return checkKaggleTags
	case "dataset_tags":
		return checkDatasetTags
	case "competitions":
		return checkCompetitions
	case "kernels":
		return checkKernels
	}
	return nil
}
