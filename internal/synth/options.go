package synth

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Layouts of the raw files.
const (
	LayoutKaggle = "kaggle" // the real Meta Kaggle files (the default)
	LayoutPlan   = "plan"   // the seed plan's simplified schema
)

// MaxUsers bounds Options.Users so every derived id stays far inside int64 and the plan
// layout's ids stay readable.
const MaxUsers = 1_000_000_000

// MaxDays bounds Options.Days (about 27 years of daily snapshots).
const MaxDays = 10_000

// Options describe one synthetic Meta Kaggle: the same Options (including Seed) always give
// the same bytes.
type Options struct {
	Start      time.Time // first ingestion date (UTC midnight)
	Days       int       // >= 1, consecutive days Start..Start+Days-1
	Users      int       // users on day 1 (>= 1)
	Layout     string    // "kaggle" (default, also when empty) | "plan"
	Seed       int64
	DefectRate float64 // 0..1, the share of rows of every table that carry one defect or are duplicated
}

// Validate reports the first invalid field, naming the field and the fix.
func (o Options) Validate() error {
	var errs []error
	if o.Start.IsZero() {
		errs = append(errs, errors.New("synth: Start is not set: give the first ingestion date, e.g. time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)"))
	} else if o.Start.Location() != time.UTC || o.Start.Hour() != 0 || o.Start.Minute() != 0 || o.Start.Second() != 0 || o.Start.Nanosecond() != 0 {
		errs = append(errs, fmt.Errorf("synth: Start %s is not a UTC midnight: use time.Date(y, m, d, 0, 0, 0, 0, time.UTC)", o.Start.Format(time.RFC3339Nano)))
	} else if y := o.Start.Year(); y < 2000 || y > 9000 {
		errs = append(errs, fmt.Errorf("synth: Start year %d is out of range: use a date between 2000 and 9000", y))
	}
	if o.Days < 1 || o.Days > MaxDays {
		errs = append(errs, fmt.Errorf("synth: Days is %d: give a number of days between 1 and %d", o.Days, MaxDays))
	}
	if o.Users < 1 || o.Users > MaxUsers {
		errs = append(errs, fmt.Errorf("synth: Users is %d: give a number of users between 1 and %d", o.Users, MaxUsers))
	}
	switch o.Layout {
	case "", LayoutKaggle, LayoutPlan:
	default:
		errs = append(errs, fmt.Errorf("synth: Layout %q is unknown: use %q or %q", o.Layout, LayoutKaggle, LayoutPlan))
	}
	if math.IsNaN(o.DefectRate) || o.DefectRate < 0 || o.DefectRate > 1 {
		errs = append(errs, fmt.Errorf("synth: DefectRate %v is out of range: give a fraction between 0 and 1 (0.01 is 1 %%)", o.DefectRate))
	}
	return errors.Join(errs...)
}

func (o Options) layout() string {
	if o.Layout == "" {
		return LayoutKaggle
	}
	return o.Layout
}

// Tables returns the raw tables of o's layout, in the order Generate reports them.
func (o Options) Tables() []string {
	if o.layout() == LayoutPlan {
		return []string{"users", "datasets", "tags", "competitions", "kernels"}
	}
	return []string{"users", "datasets", "dataset_versions", "tags", "dataset_tags", "competitions", "kernels"}
}

// Key returns the object key of table's raw file for day (0-based).
func (o Options) Key(table string, day int) string {
	d := o.Start.AddDate(0, 0, day).Format(time.DateOnly)
	return "raw/" + table + "/ingestion_date=" + d + "/" + table + ".csv"
}
