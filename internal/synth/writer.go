package synth

import (
	"bufio"
	"context"
	"hash/fnv"
)

// kindDuplicate marks a row that is written twice (counted in TableStats.Duplicates).
const kindDuplicate = "duplicate"

// tableWriter streams one table's records into a buffered writer and keeps its stats.
type tableWriter struct {
	ctx     context.Context
	w       *bufio.Writer
	row     row
	tmp     []byte // scratch for composed text
	tmp2    []byte
	st      TableStats
	defects defectPicker
	n       int
	err     error
}

func newTableWriter(ctx context.Context, w *bufio.Writer, d *day, def *tableDef) *tableWriter {
	t := &tableWriter{
		ctx: ctx,
		w:   w,
		row: row{b: make([]byte, 0, 4096), q: def.quoting, tf: def.times},
		tmp: make([]byte, 0, 1024), tmp2: make([]byte, 0, 256),
		st: TableStats{Table: def.name, Key: d.o.Key(def.name, d.k), Defects: map[string]int64{}},
	}
	t.defects = defectPicker{rate: d.o.DefectRate, thr: d.defectThr, kinds: def.kinds}
	h := fnv.New64a()
	h.Write([]byte(def.name))
	r := newRNG(streamKey(d.seed, sDefect), h.Sum64(), uint64(d.k))
	t.defects.key = r.next()
	return t
}

// header writes the header record, quoted as the data fields are.
func (t *tableWriter) header(cols []string) {
	t.row.reset()
	for _, c := range cols {
		if t.row.q == quoteMinimal {
			t.row.text(c)
		} else {
			t.row.quoted(c)
		}
	}
	t.row.b = append(t.row.b, '\n')
	t.write(t.row.b)
	t.row.reset()
}

func (t *tableWriter) write(b []byte) {
	if t.err != nil {
		return
	}
	n, err := t.w.Write(b)
	t.st.Bytes += int64(n)
	t.err = err
}

// emit ends the current record. kind is "" for a clean record, kindDuplicate to write it
// twice, or the defect kind the caller has already applied to the fields (DefectMalformed is
// applied here).
func (t *tableWriter) emit(kind string) error {
	if kind == DefectMalformed {
		t.row.b = append(t.row.b, ",x"...)
	}
	t.row.b = append(t.row.b, '\n')
	t.write(t.row.b)
	t.st.Rows++
	switch kind {
	case "":
	case kindDuplicate:
		t.write(t.row.b)
		t.st.Rows++
		t.st.Duplicates++
	default:
		t.st.Defects[kind]++
	}
	t.n++
	if t.n&1023 == 0 {
		if err := t.ctx.Err(); err != nil {
			return err
		}
	}
	return t.err
}

// finish appends the truncated last record when the day calls for one, and flushes.
func (t *tableWriter) finish(d *day) error {
	if t.err == nil && d.truncates() && t.st.Rows > 0 && t.withinBudget() {
		t.write(truncateRecord(t.row.b))
		t.st.Rows++
		t.st.Defects[DefectTruncated]++
	}
	if t.err != nil {
		return t.err
	}
	return t.w.Flush()
}

// pickDefect is defects.pick within a budget: the running share of defective and duplicate
// records never exceeds twice the defect rate. Without it a table of six competitions at 1 %
// can draw one defect (17 %) and trip bronze's 10 % circuit breaker on a default lake.
func (t *tableWriter) pickDefect(id uint64) string {
	kind := t.defects.pick(id)
	if kind != "" && !t.withinBudget() {
		return ""
	}
	return kind
}

func (t *tableWriter) withinBudget() bool {
	used := float64(t.st.DefectRows() + t.st.Duplicates + 1)
	return used <= 2*t.defects.rate*float64(t.st.Rows+1)
}

// truncates reports whether every file of the day ends with a truncated record.
func (d *day) truncates() bool { return d.defectThr > 0 && d.k%2 == 1 }

// truncateRecord returns a prefix of rec (the last record written) cut inside a quoted field
// that is not the record's last field, so the result has an unterminated quote and fewer
// fields than the header, whichever way a reader handles an open quote at end of file.
func truncateRecord(rec []byte) []byte {
	if n := len(rec); n > 0 && rec[n-1] == '\n' {
		rec = rec[:n-1]
	}
	starts := fieldStarts(rec)
	for _, s := range starts[:len(starts)-1] {
		if rec[s] != '"' {
			continue
		}
		end := s + 1
		for end < len(rec) && rec[end] != '"' {
			end++
		}
		cut := s + 1 + (end-s-1)/2
		for cut > s+1 && rec[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		return append([]byte(nil), rec[:cut]...)
	}
	// No quoted field before the last: open a quote in the first field, which is an id.
	out := []byte{'"'}
	for i := 0; i < len(rec) && i < 3 && rec[i] != ','; i++ {
		out = append(out, rec[i])
	}
	return out
}

// fieldStarts returns the offset of each field of one CSV record.
func fieldStarts(rec []byte) []int {
	starts := []int{0}
	inQuotes := false
	for i, c := range rec {
		switch {
		case c == '"':
			inQuotes = !inQuotes
		case c == ',' && !inQuotes:
			starts = append(starts, i+1)
		}
	}
	return starts
}

// defectPicker decides, per record, whether it carries a defect and which one: a pure
// function of (seed, table, day, record key).
type defectPicker struct {
	rate  float64
	thr   uint64
	key   uint64
	kinds []string
}

func (p *defectPicker) pick(id uint64) string {
	if p.thr == 0 || len(p.kinds) == 0 {
		return ""
	}
	r := newRNG(p.key, id, 0)
	if !r.chance(p.thr) {
		return ""
	}
	return p.kinds[r.intn(len(p.kinds))]
}
