package synth

import (
	"math"
	"time"

	"github.com/metalake/metalake/internal/country"
)

// Daily rates of change. Each is the probability that one entity changes on one day.
const (
	renameRate         = 0.005 // users renamed per day
	moveRate           = 0.002 // users whose country changes per day
	datasetUpdateRate  = 0.01  // datasets updated per day
	kernelActivityRate = 0.02  // kernels viewed/voted/re-run per day
)

// Where the history before Start begins (Kaggle's first competition, datasets, kernels).
var (
	usersOrigin        = daysFromCivil(2010, 4, 1)
	datasetsOrigin     = daysFromCivil(2015, 6, 1)
	kernelsOrigin      = daysFromCivil(2015, 3, 1)
	competitionsOrigin = daysFromCivil(2010, 4, 1)
)

// world holds what does not depend on the day: sizes, vocabularies, the tag catalogue. It is
// immutable once built and shared by the goroutines writing one day's tables.
type world struct {
	o        Options
	plan     bool
	seed     uint64
	startDay int64 // Start as days since 1970-01-01

	users0, usersPerDay       int64
	datasets0, datasetsPerDay int64
	kernels0, kernelsPerDay   int64
	comps0                    int64

	cultures []culture
	cultureW weights
	tags     *tagCatalog

	countryNames []string // Kaggle layout: names as profiles show them
	countryCodes []string // the alpha-2 code of each name
	countryW     []uint64 // cumulative weights

	licenseW, typeW, segmentW, metricW, validationW weights

	rename, move, dsUpdate, kActivity *process
	defectThr                         uint64
}

func roundDiv(n, d int64) int64 { return (n + d/2) / d }

func newWorld(o Options, maxDay int) *world {
	w := &world{
		o:        o,
		plan:     o.layout() == LayoutPlan,
		seed:     uint64(o.Seed),
		startDay: o.Start.Unix() / secondsPerDay,
		cultures: newCultures(),
		cultureW: newWeights(cultureWeights...),
		tags:     newTagCatalog(),
		licenseW: newWeights(licenseWeights...),
		typeW:    newWeights(datasetTypeWeights...),
		segmentW: newWeights(hostSegmentWeights...),
		metricW:  newWeights(metricWeights...),

		validationW: newWeights(validationSetWeights...),
	}
	// Sizes follow Meta Kaggle's July 2025 ratios to Users, with a floor so that a tiny
	// demo still has a few rows in every table; growth is at least one row a day so that
	// evolution shows even then.
	n := int64(o.Users)
	w.users0 = n
	w.usersPerDay = max(1, roundDiv(n, 1000))
	w.datasets0 = max(5, roundDiv(n*2, 100))
	w.datasetsPerDay = max(1, roundDiv(w.datasets0, 1000))
	w.kernels0 = max(5, roundDiv(n*6, 100))
	w.kernelsPerDay = max(1, roundDiv(w.kernels0*15, 10000))
	w.comps0 = max(5, roundDiv(n*4, 10000))

	w.buildCountries()
	w.rename = newProcess(renameRate, maxDay)
	w.move = newProcess(moveRate, maxDay)
	w.dsUpdate = newProcess(datasetUpdateRate, maxDay)
	w.kActivity = newProcess(kernelActivityRate, maxDay)
	w.defectThr = threshold(o.DefectRate)
	return w
}

// topCountries weights the countries Kaggle users name most often, in the spellings their
// profiles use (some aliases on purpose, so the name → code mapping is exercised). Every
// other country of the table gets weight 1.
var topCountries = []struct {
	name   string
	weight uint64
}{
	{"India", 300}, {"United States", 180}, {"China", 60}, {"Brazil", 30}, {"Japan", 30},
	{"United Kingdom", 30}, {"Russia", 25}, {"Nigeria", 25}, {"Pakistan", 25}, {"Egypt", 20},
	{"Vietnam", 20}, {"Viet Nam", 5}, {"Indonesia", 20}, {"Germany", 20}, {"Bangladesh", 15},
	{"Canada", 15}, {"France", 15}, {"Turkey", 12}, {"Türkiye", 6}, {"Spain", 12},
	{"South Korea", 12}, {"Korea, Republic of", 2}, {"Iran", 10}, {"Mexico", 10}, {"Italy", 10},
	{"Taiwan", 8}, {"Kenya", 8}, {"Australia", 8}, {"Ukraine", 6}, {"Poland", 6},
	{"Colombia", 6}, {"Argentina", 5}, {"Czech Republic", 3}, {"Czechia", 2}, {"Hong Kong", 3},
	{"Côte d'Ivoire", 1}, {"Ivory Coast", 1},
}

// unmappedCountries are names no country table knows (the unmapped_country defect).
var unmappedCountries = []string{"Atlantis", "Wakanda", "Narnia", "Westeros", "Genovia",
	"Elbonia", "Latveria", "Middle-earth"}

func (w *world) buildCountries() {
	seen := map[string]bool{}
	add := func(name string, weight uint64) {
		code, ok := country.Code(name)
		if !ok {
			// The table and this list are both part of the source; a name the table does
			// not know would silently become an unmapped-country "defect" in clean data.
			panic("synth: country " + name + " is not in the country table")
		}
		var prev uint64
		if len(w.countryW) > 0 {
			prev = w.countryW[len(w.countryW)-1]
		}
		w.countryNames = append(w.countryNames, name)
		w.countryCodes = append(w.countryCodes, code)
		w.countryW = append(w.countryW, prev+weight)
		seen[code] = true
	}
	for _, c := range topCountries {
		add(c.name, c.weight)
	}
	for _, e := range country.All() {
		if !seen[e.Code] {
			add(e.Name, 1)
		}
	}
}

func (w *world) pickCountry(r *rng) int {
	u := uint64(r.int63n(int64(w.countryW[len(w.countryW)-1])))
	lo, hi := 0, len(w.countryW)-1
	for lo < hi {
		m := (lo + hi) / 2
		if u < w.countryW[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// day is one snapshot of the world: day k (0-based) is ingestion date Start+k.
type day struct {
	*world
	k        int
	date     time.Time
	snapshot int64 // Unix seconds of the snapshot's midnight: everything in it happened before

	users, datasets, kernels, comps int64
}

func (w *world) day(k int) *day {
	d := &day{world: w, k: k, date: w.o.Start.AddDate(0, 0, k)}
	d.snapshot = (w.startDay + int64(k)) * secondsPerDay
	kk := int64(k)
	d.users = w.users0 + kk*w.usersPerDay
	d.datasets = w.datasets0 + kk*w.datasetsPerDay
	d.kernels = w.kernels0 + kk*w.kernelsPerDay
	d.comps = w.comps0 + kk*w.comps0/2000
	return d
}

// birth returns the day on which entity id (1-based) first appears: 0 for the n0 entities of
// the first snapshot, then perDay new ones each day.
func birth(id, n0, perDay int64) int {
	if id <= n0 {
		return 0
	}
	return int((id - n0 + perDay - 1) / perDay)
}

// createdAt returns when entity id was created, in Unix seconds. Entities of the first
// snapshot spread from origin to the day before Start, denser towards Start (id/n0 = t²: the
// community grows), in id order give or take a few days; later ones are created on the day
// before the snapshot that first shows them.
func (w *world) createdAt(r *rng, id, n0 int64, b int, origin int64) int64 {
	if b > 0 {
		return (w.startDay+int64(b)-1)*secondsPerDay + r.int63n(secondsPerDay)
	}
	lo := min(origin, w.startDay-3*365)
	span := w.startDay - lo
	pos := math.Sqrt((float64(id) - 0.5) / float64(n0))
	dd := lo + int64(pos*float64(span)) + r.between(-3, 3)
	dd = max(lo, min(dd, w.startDay-1))
	return dd*secondsPerDay + r.int63n(secondsPerDay)
}

// usersBefore returns how many users existed at Unix time t (inverse of createdAt).
func (w *world) usersBefore(t int64) int64 {
	dd := t / secondsPerDay
	if dd >= w.startDay {
		return w.users0 + (dd-w.startDay+1)*w.usersPerDay
	}
	lo := min(usersOrigin, w.startDay-3*365)
	f := float64(dd-lo) / float64(w.startDay-lo)
	if f <= 0 {
		return 1
	}
	return max(1, int64(f*f*float64(w.users0)))
}

// userRef returns a user id for a foreign key of something created at time t. About one in
// two hundred points at a user who does not exist (deleted accounts: real data does that).
func (w *world) userRef(r *rng, t int64) int64 {
	if r.permille(5) {
		return 2_000_000_000 + r.int63n(100_000_000)
	}
	return 1 + r.int63n(w.usersBefore(t))
}
