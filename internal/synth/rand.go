package synth

import "math/bits"

// Every random value is a pure function of (seed, stream, id, epoch): no generator state is
// carried from one row to the next, which is what lets any row of any day be produced alone,
// in any order, on any goroutine, with identical bytes.

const golden = 0x9e3779b97f4a7c15

// mix64 is the splitmix64 finaliser: a bijective avalanche of 64 bits.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// stream names one independent random attribute. Values are part of the output format:
// renumbering them changes every generated file.
type stream uint64

const (
	sUser stream = iota + 1
	sUserName
	sUserCountry
	sUserRename
	sUserMove
	sDataset
	sDatasetEvent
	sDatasetTitle
	sDatasetVersion
	sDatasetTag
	sTag
	sCompetition
	sKernel
	sKernelEvent
	sDefect
)

// streamKey folds the seed and the stream into the first half of a row key; tables compute it
// once and then pay two mixes per row.
func streamKey(seed uint64, s stream) uint64 { return mix64(seed ^ mix64(uint64(s)*golden)) }

// rng is a splitmix64 generator positioned at the hash of one (stream, id, epoch).
type rng struct{ s uint64 }

func newRNG(key, id, epoch uint64) rng {
	return rng{s: mix64(mix64(key^(id*0xd1b54a32d192ed03)) + epoch*golden + 0x632be59bd9b4e019)}
}

func (r *rng) next() uint64 {
	r.s += golden
	return mix64(r.s)
}

// intn returns a value in [0, n) (n > 0) by Lemire's multiply-shift; the bias of at most
// n/2^64 is irrelevant here and avoiding rejection keeps the draw count per row fixed.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

func (r *rng) int63n(n int64) int64 {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int64(hi)
}

// between returns a value in [lo, hi] (hi >= lo).
func (r *rng) between(lo, hi int64) int64 { return lo + r.int63n(hi-lo+1) }

// chance reports true with probability thr/2^64 (see threshold).
func (r *rng) chance(thr uint64) bool { return r.next() < thr }

// pct reports true with probability p percent.
func (r *rng) pct(p int) bool { return r.intn(10000) < p*100 }

// permille reports true with probability p per thousand.
func (r *rng) permille(p int) bool { return r.intn(1000) < p }

// logUniform returns a heavy-tailed value in [1, 2^maxBits): the bit length is uniform in
// [minBits, maxBits), so every order of magnitude is about equally likely, like view counts.
func (r *rng) logUniform(minBits, maxBits int) int64 {
	b := minBits + r.intn(maxBits-minBits)
	if b == 0 {
		return 1
	}
	return int64(1)<<(b-1) + int64(r.next()>>(64-uint(b-1))&(1<<(b-1)-1))
}

// pick returns an element of a non-empty slice.
func pick[T any](r *rng, s []T) T { return s[r.intn(len(s))] }

// threshold converts a probability into the uint64 a uniform draw is compared with. Only
// multiplication is used (no math.Log/Exp), so thresholds are bit-identical on every platform.
func threshold(p float64) uint64 {
	switch {
	case !(p > 0):
		return 0
	case p >= 1:
		return ^uint64(0)
	}
	return uint64(p * (1 << 64))
}

// weights is a cumulative table for weighted choice among a few options.
type weights struct{ cum []uint32 }

func newWeights(w ...uint32) weights {
	c := make([]uint32, len(w))
	var t uint32
	for i, x := range w {
		t += x
		c[i] = t
	}
	return weights{cum: c}
}

func (w weights) pick(r *rng) int {
	u := uint32(r.intn(int(w.cum[len(w.cum)-1])))
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if u < w.cum[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// process is a Bernoulli process over days 1, 2, …: an entity has an event on each day with
// probability p, independently of other days. The gaps between events are geometric; they are
// sampled with a table of survival thresholds thr[g] = 2^64·(1−p)^g, so finding the events up
// to day k costs one draw per event plus one, not one per day, and uses no transcendental
// functions. A gap is computed exactly whenever it ends by day k, so the events up to day k
// are the same whatever later day the table was built for: that is what makes day k's
// snapshot independent of how many days are generated.
type process struct{ thr []uint64 }

func newProcess(p float64, maxDay int) *process {
	thr := make([]uint64, maxDay+1)
	q := 1.0
	for g := range thr {
		thr[g] = threshold(q)
		q *= 1 - p
	}
	return &process{thr: thr}
}

// events iterates an entity's event days in 1..k.
type events struct {
	thr  []uint64
	r    rng
	day  int
	last int
}

func (p *process) events(r rng, k int) events { return events{thr: p.thr, r: r, last: k} }

// next returns the next event day, or false when there is none up to the last day.
func (e *events) next() (int, bool) {
	rem := e.last - e.day
	if rem <= 0 {
		return 0, false
	}
	u := e.r.next()
	// P(gap > g) = P(u < thr[g]).
	if u < e.thr[rem] {
		e.day = e.last
		return 0, false
	}
	lo, hi := 1, rem
	for lo < hi {
		m := (lo + hi) / 2
		if u >= e.thr[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	e.day += lo
	return e.day, true
}

// lastEvent returns the day of the last event in 1..k, 0 if none.
func (p *process) lastEvent(r rng, k int) int {
	e := p.events(r, k)
	last := 0
	for {
		d, ok := e.next()
		if !ok {
			return last
		}
		last = d
	}
}
