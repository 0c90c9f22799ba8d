package htmlreport

import (
	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/monitor"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/silver"
)

// Report is everything the HTML report of one run date shows. Build fills it from the lake;
// Render writes it. Every part is optional: a run that stopped early has fewer reports, and
// the page says what is missing instead of failing.
type Report struct {
	RunDate     string `json:"run_date"`
	Lake        string `json:"lake"`
	GeneratedAt string `json:"generated_at"`
	// Status is the run's status (success, failed, running, interrupted), or "not run" when
	// only reports exist (a run state was never written).
	Status string `json:"status"`
	Run    *Run   `json:"run,omitempty"`

	Summary *pipeline.PipelineSummary `json:"summary,omitempty"`
	Flow    []TableFlow               `json:"flow"`
	Rejects []TableRejects            `json:"rejects"`

	SilverDQ   *silver.DQReport  `json:"silver_dq,omitempty"`
	GoldFacts  []gold.FactReport `json:"gold_facts"`
	GoldDims   []gold.DimStats   `json:"-"`
	Validation *gold.Validation  `json:"gold_validation,omitempty"`
	Monitor    *monitor.Report   `json:"monitor,omitempty"`

	History History     `json:"history"`
	Data    *DataCharts `json:"data,omitempty"`

	// Missing lists the reports of the date that are not in the lake (lake keys).
	Missing []string `json:"missing"`
	// DateLink, when set, is a fmt pattern turning a run date into a link (serve: "/report/%s").
	DateLink string `json:"-"`
	// Home, when set, is linked from the header (serve: "/").
	Home string `json:"-"`

	rs reports // the per-table reports, until assemble arranges them
}

// Run is the run state of the date, arranged for the timeline.
type Run struct {
	Status      string     `json:"status"`
	StartedAt   string     `json:"started_at"`
	FinishedAt  string     `json:"finished_at,omitempty"`
	DurationS   float64    `json:"duration_s"`
	Stale       bool       `json:"stale"`
	StaleReason string     `json:"stale_reason,omitempty"`
	Stages      []StageRun `json:"stages"`
	Tasks       []Task     `json:"tasks"`
	// Counts is the number of tasks per status.
	Counts map[string]int `json:"counts"`
	// Retried counts the tasks that needed more than one attempt.
	Retried int `json:"retried"`
}

// Task is one task on the timeline; times are seconds since the run started. A task that
// never started (upstream failed, interrupted before it) has Started false.
type Task struct {
	Task      string  `json:"task"`
	Stage     string  `json:"stage"`
	Status    string  `json:"status"`
	Attempts  int     `json:"attempts"`
	Started   bool    `json:"started"`
	StartS    float64 `json:"start_s"`
	EndS      float64 `json:"end_s"`
	DurationS float64 `json:"duration_s"`
	Error     string  `json:"error,omitempty"`
}

// TableFlow is one table's rows from raw to gold, with each layer's reconciliation.
type TableFlow struct {
	Table  string      `json:"table"`
	Bronze *BronzeFlow `json:"bronze,omitempty"`
	Silver *SilverFlow `json:"silver,omitempty"`
	Gold   []GoldOut   `json:"gold"`
}

// BronzeFlow is raw → bronze: input = output + rejects + duplicates removed.
type BronzeFlow struct {
	Status     string                `json:"status"`
	Input      int64                 `json:"input"`
	Output     int64                 `json:"output"`
	Rejects    int64                 `json:"rejects"`
	Duplicates int64                 `json:"duplicates"`
	Reconciled bool                  `json:"reconciled"`
	Lookups    []bronze.LookupReport `json:"lookups,omitempty"`
}

// SilverFlow is bronze → silver: input (bronze rows of the date + rows carried from the
// previous silver) = output + duplicates removed + dropped rows.
type SilverFlow struct {
	Status      string `json:"status"`
	Mode        string `json:"mode"`
	Input       int64  `json:"input"`
	BronzeInput int64  `json:"bronze_input"`
	Carried     int64  `json:"carried"`
	Output      int64  `json:"output"`
	Duplicates  int64  `json:"duplicates"`
	Dropped     int64  `json:"dropped"`
	NotInLatest int64  `json:"not_in_latest_snapshot"`
	Reconciled  bool   `json:"reconciled"`
	// FromBronze says the silver run read exactly the rows bronze published for the date.
	FromBronze bool                   `json:"from_bronze"`
	Strategies []silver.StrategyCount `json:"strategies"`
	Error      string                 `json:"error,omitempty"`
}

// GoldOut is one gold table built from a silver table.
type GoldOut struct {
	Table  string `json:"table"`
	Kind   string `json:"kind"` // dimension, fact
	Status string `json:"status"`
	Rows   int64  `json:"rows"`
}

// TableRejects is one bronze table's rejects of the date.
type TableRejects struct {
	Table     string               `json:"table"`
	Status    string               `json:"status"`
	Input     int64                `json:"input"`
	Rejects   int64                `json:"rejects"`
	Rate      float64              `json:"rate"`
	Threshold float64              `json:"threshold"`
	Breached  bool                 `json:"breached"`
	Reasons   []bronze.ReasonCount `json:"reasons"`
}

// RejectSample is one rejected row: where it came from and what it said.
type RejectSample struct {
	File   string `json:"file"`
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
	// Raw is the raw line of a structural reject, else the row's raw field values as CSV.
	Raw string `json:"raw"`
	// RawIsLine tells the two apart.
	RawIsLine bool `json:"raw_is_line"`
}

// RejectSamples are the first rejected rows (by source line) of one rejects table.
type RejectSamples struct {
	// Table is the rejects table: a bronze table, or TABLE_lookup_RAW for an auxiliary input.
	Table   string         `json:"table"`
	Total   int64          `json:"total"`
	Columns []string       `json:"columns"`
	Rows    []RejectSample `json:"rows"`
}

// History is the run history up to the report's date, one entry per run date, oldest first.
// A value is nil where the date has none (the layer did not run, the table was not there).
type History struct {
	Dates  []string `json:"dates"`
	Status []string `json:"status"`
	// Truncated says older run dates were left out (Options.HistoryDates).
	Truncated bool `json:"truncated"`
	// DurationS is the wall-clock duration of each stage.
	DurationS map[string][]*float64 `json:"duration_s"`
	// BronzeRows and SilverRows are each table's committed rows (from the catalog).
	BronzeRows map[string][]*int64 `json:"bronze_rows"`
	SilverRows map[string][]*int64 `json:"silver_rows"`
	// RejectRate is each bronze table's rejection rate (from the bronze summaries).
	RejectRate map[string][]*float64 `json:"reject_rate"`
}

// DataCharts are the data the report charts: what the lake holds on the run date, queried
// through the read-only query catalog.
type DataCharts struct {
	TopTags []NamedCount `json:"top_tags"`
	// Countries are the top countries by users; Unknown counts users without a country
	// ('XX'), Other the users of the countries after the top.
	Countries        []NamedCount      `json:"countries"`
	CountryUnknown   int64             `json:"country_unknown"`
	CountryOther     int64             `json:"country_other"`
	Competitions     []CompetitionYear `json:"competitions"`
	OwnerBuckets     []Bucket          `json:"owner_buckets"`
	Owners           int64             `json:"owners"`
	MaxOwnerDatasets int64             `json:"max_owner_datasets"`
	NewUsers         []DayCount        `json:"new_users"`
	// Rejects are the sample rejected rows of every rejects table of the date.
	Rejects []RejectSamples `json:"reject_samples"`
	// Errors says, per chart, why it has no data (a table not in the lake yet …).
	Errors map[string]string `json:"errors"`
}

// NamedCount is one bar.
type NamedCount struct {
	Name  string `json:"name"`
	Label string `json:"label,omitempty"`
	Count int64  `json:"count"`
}

// CompetitionYear is one year of fact_competitions_yearly.
type CompetitionYear struct {
	Year           int64   `json:"year"`
	Featured       int64   `json:"featured"`
	Research       int64   `json:"research"`
	GettingStarted int64   `json:"getting_started"`
	Playground     int64   `json:"playground"`
	Other          int64   `json:"other"`
	RewardsUSD     float64 `json:"rewards_usd"`
}

// Bucket is one bar of the datasets-per-owner distribution.
type Bucket struct {
	Label    string `json:"label"`
	Owners   int64  `json:"owners"`
	Datasets int64  `json:"datasets"`
}

// DayCount is one day's count.
type DayCount struct {
	Day   string `json:"day"`
	Count int64  `json:"count"`
}
