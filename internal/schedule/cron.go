package schedule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// cronExpr is a parsed five-field cron expression: one bit per allowed value.
type cronExpr struct {
	minute, hour, dom, month, dow uint64
	// domStar and dowStar record a field written with a leading "*": as in Vixie cron, when
	// both day fields are restricted a day matches either of them, else only the restricted one.
	domStar, dowStar bool
}

type field struct {
	name     string
	min, max int
	names    []string // names[i] is value min+i
}

// fields returns the five fields in order. Day-of-week accepts 0-7, both 0 and 7 meaning Sunday.
func fields() [5]field {
	return [5]field{
		{name: "minute", min: 0, max: 59},
		{name: "hour", min: 0, max: 23},
		{name: "day-of-month", min: 1, max: 31},
		{name: "month", min: 1, max: 12,
			names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
		{name: "day-of-week", min: 0, max: 7,
			names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
	}
}

// descriptor expands an @name shorthand.
func descriptor(name string) (string, bool) {
	switch strings.ToLower(name) {
	case "@yearly", "@annually":
		return "0 0 1 1 *", true
	case "@monthly":
		return "0 0 1 * *", true
	case "@weekly":
		return "0 0 * * 0", true
	case "@daily", "@midnight":
		return "0 0 * * *", true
	case "@hourly":
		return "0 * * * *", true
	}
	return "", false
}

// maxDays is the most days month m can have (February: 29 in leap years).
func maxDays(m int) int {
	switch m {
	case 2:
		return 29
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseCron parses a five-field expression or an @descriptor.
func parseCron(expr string) (cronExpr, error) {
	s := strings.TrimSpace(expr)
	if strings.HasPrefix(s, "@") {
		d, ok := descriptor(s)
		if !ok {
			return cronExpr{}, fmt.Errorf("unknown descriptor %q: use five fields such as \"0 2 * * *\" or one of @yearly, @monthly, @weekly, @daily, @hourly", s)
		}
		s = d
	}
	fs := strings.Fields(s)
	if len(fs) != 5 {
		hint := ""
		if len(fs) == 6 {
			hint = "; seconds are not supported"
		}
		return cronExpr{}, fmt.Errorf("%q has %d fields, want 5 (minute hour day-of-month month day-of-week), e.g. \"0 2 * * *\"%s", expr, len(fs), hint)
	}
	var c cronExpr
	sets := [5]*uint64{&c.minute, &c.hour, &c.dom, &c.month, &c.dow}
	for i, f := range fields() {
		set, err := f.parse(fs[i])
		if err != nil {
			return cronExpr{}, err
		}
		*sets[i] = set
	}
	if c.dow&(1<<7) != 0 { // 7 is Sunday
		c.dow = c.dow&^(1<<7) | 1
	}
	c.domStar = strings.HasPrefix(fs[2], "*")
	c.dowStar = strings.HasPrefix(fs[4], "*")
	if c.dowStar && !c.domStar && !c.domPossible() {
		return cronExpr{}, fmt.Errorf("%q never fires: no selected month has the selected day of month", expr)
	}
	return c, nil
}

// domPossible reports whether some selected month has some selected day of month.
func (c cronExpr) domPossible() bool {
	for m := 1; m <= 12; m++ {
		if c.month&(1<<m) == 0 {
			continue
		}
		if c.dom&(uint64(1)<<(maxDays(m)+1)-1) != 0 {
			return true
		}
	}
	return false
}

// parse turns one field ("*", "1,5", "1-5", "*/15", "10-40/10", "mon-fri", "3/2") into a bit set.
func (f field) parse(s string) (uint64, error) {
	var set uint64
	for _, item := range strings.Split(s, ",") {
		b, err := f.parseItem(item)
		if err != nil {
			return 0, fmt.Errorf("%s field %q: %w", f.name, s, err)
		}
		set |= b
	}
	return set, nil
}

func (f field) parseItem(item string) (uint64, error) {
	rng, stepStr, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepStr)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("step %q must be a positive number", stepStr)
		}
		step = n
	}
	var lo, hi int
	switch {
	case rng == "*":
		lo, hi = f.min, f.max
		if f.max == 7 { // "*" day-of-week is 0-6; 7 would only repeat Sunday
			hi = 6
		}
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		var err error
		if lo, err = f.value(a); err != nil {
			return 0, err
		}
		if hi, err = f.value(b); err != nil {
			return 0, err
		}
		if lo > hi {
			return 0, fmt.Errorf("range %q runs backwards", rng)
		}
	default:
		v, err := f.value(rng)
		if err != nil {
			return 0, err
		}
		lo, hi = v, v
		if hasStep { // "3/2" means from 3 to the maximum in steps of 2
			hi = f.max
		}
	}
	var set uint64
	for v := lo; v <= hi; v += step {
		set |= 1 << v
	}
	return set, nil
}

func (f field) value(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		if s == "" {
			return 0, fmt.Errorf("empty value")
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%d is out of range %d-%d", v, f.min, f.max)
	}
	return v, nil
}

// matchDay reports whether the schedule fires on a day with this day of month, month and
// weekday (0 = Sunday).
func (c cronExpr) matchDay(dom, month, weekday int) bool {
	if c.month&(1<<month) == 0 {
		return false
	}
	domOK := c.dom&(1<<dom) != 0
	dowOK := c.dow&(1<<weekday) != 0
	if c.domStar || c.dowStar {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// values lists the members of a bit set in ascending order.
func values(set uint64) []int {
	out := make([]int, 0, bits.OnesCount64(set))
	for set != 0 {
		v := bits.TrailingZeros64(set)
		out = append(out, v)
		set &^= 1 << v
	}
	return out
}
