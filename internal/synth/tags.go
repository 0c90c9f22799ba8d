package synth

var (
	tagsHeader        = []string{"Id", "ParentTagId", "Name", "Slug", "FullPath", "Description", "DatasetCount", "CompetitionCount", "KernelCount"}
	datasetTagsHeader = []string{"Id", "DatasetId", "TagId"}
	planTagsHeader    = []string{"DatasetId", "Tags"}
)

// missingTagBase starts the TagIds that no Tags row has (the missing_tag defect).
const missingTagBase = 99_000

// writeTags writes Tags.csv: the fixed catalogue, with counts that grow day by day.
// Defects touch only tags that no DatasetTags row references, so none spreads to the join.
func (d *day) writeTags(t *tableWriter) error {
	key := streamKey(d.seed, sTag)
	for i := range d.tags.tags {
		tg := &d.tags.tags[i]
		kind := ""
		if !tg.referencable {
			kind = t.pickDefect(uint64(tg.id))
		}
		r := newRNG(key, uint64(tg.id), 0)
		var ds, cs, ks int64
		switch {
		case tg.popular:
			ds, cs, ks = r.between(2000, 20000), r.between(20, 400), r.between(5000, 90000)
		case !tg.generated:
			ds, cs, ks = r.between(100, 3000), r.between(0, 60), r.between(100, 9000)
		default:
			ds, cs, ks = r.between(0, 100), r.between(0, 3), r.between(0, 300)
		}
		k := int64(d.k)
		w := &t.row
		w.reset()
		w.int(tg.id)
		w.intOrNull(tg.parent, tg.parent != 0)
		w.text(tg.name)
		w.text(tg.slug)
		w.text(tg.path)
		w.text(tg.description)
		w.int(ds + k*ds/400)
		w.int(cs + k*cs/2000)
		w.int(ks + k*ks/300)
		if err := t.emit(kind); err != nil {
			return err
		}
	}
	return nil
}

// datasetTagPicks returns the catalogue indexes of dataset id's first n tags: distinct, each
// a pure function of (seed, id, position).
func (d *day) datasetTagPicks(key uint64, id int64, n int, picks []int) []int {
	picks = picks[:0]
	for j := 1; j <= n; j++ {
		r := newRNG(key, uint64(id), uint64(j))
	retry:
		for try := 0; try < 8; try++ {
			p := d.tags.pick(&r)
			for _, q := range picks {
				if q == p {
					continue retry
				}
			}
			picks = append(picks, p)
			break
		}
	}
	return picks
}

// writeDatasetTags writes DatasetTags.csv: one row per (dataset, tag) link.
func (d *day) writeDatasetTags(t *tableWriter) error {
	keys := d.datasetKeys()
	var s dataset
	var picks []int
	for id := int64(1); id <= d.datasets; id++ {
		d.compute(&s, &keys, id)
		n := s.tags
		if id <= 3 {
			n = max(n, 1) // so that even a ten-user demo has a few links
		}
		picks = d.datasetTagPicks(keys.tag, id, n, picks)
		for j, p := range picks {
			link := id*10 + int64(j) + 1
			kind := t.pickDefect(uint64(link))
			w := &t.row
			w.reset()
			w.int(link)
			w.int(id)
			if kind == DefectMissingTag {
				w.int(missingTagBase + link%1000)
			} else {
				w.int(d.tags.tags[p].id)
			}
			if err := t.emit(kind); err != nil {
				return err
			}
		}
	}
	return nil
}

// longTag is the long_tag defect's element: 120 characters, so longer than bronze's 100.
var longTag = func() string {
	b := []byte("a tag that somebody typed as a whole sentence")
	for len(b) < 120 {
		b = append(b, " and kept on typing"...)
	}
	return string(b[:120])
}()

var badJSON = []string{"machine learning, nlp", `["machine learning",`, `{"tags": ["nlp"]}`, "[nlp, data]"}

// writePlanTags writes the plan layout's tags.csv: one row per dataset, Tags a JSON array of
// tag names as people type them (any case, padded, with punctuation). Elements of one array
// are distinct after lower(trim()), so bronze's duplicates come only from duplicate rows.
func (d *day) writePlanTags(t *tableWriter) error {
	keys := d.datasetKeys()
	var s dataset
	var picks []int
	for id := int64(1); id <= d.datasets; id++ {
		kind := t.pickDefect(uint64(id))
		d.compute(&s, &keys, id)
		n := min(maxTagLinks, s.tags+s.planExtra)
		picks = d.datasetTagPicks(keys.tag, id, n, picks)
		r := newRNG(keys.tag, uint64(id), 0)
		w := &t.row
		w.reset()
		w.planID('D', id)
		elems := int64(len(picks))
		switch {
		case kind == DefectBadJSON:
			w.text(pick(&r, badJSON))
			elems = 0
		case len(picks) == 0 && kind != DefectLongTag:
			if r.pct(70) {
				w.text("[]")
			} else {
				w.null()
			}
		default:
			sep := ","
			if r.pct(30) {
				sep = ", "
			}
			b := append(t.tmp[:0], '[')
			for j, p := range picks {
				if j > 0 {
					b = append(b, sep...)
				}
				b = append(b, '"')
				b = appendDecorated(&r, b, d.tags.tags[p].name)
				b = append(b, '"')
			}
			if kind == DefectLongTag {
				if len(picks) > 0 {
					b = append(b, sep...)
				}
				b = append(b, '"')
				b = append(b, longTag...)
				b = append(b, '"')
				elems++
			}
			t.tmp = append(b, ']')
			w.textBytes(t.tmp)
		}
		switch kind {
		case DefectMalformed:
		case kindDuplicate:
			t.st.TagElements += 2 * elems
			t.st.DuplicateTagElements += elems
			if elems == 0 {
				t.st.EmptyTagRows += 2
			}
		default:
			t.st.TagElements += elems
			if elems == 0 && kind != DefectBadJSON {
				t.st.EmptyTagRows++
			}
		}
		if err := t.emit(kind); err != nil {
			return err
		}
	}
	return nil
}

// appendDecorated appends a tag name the way a person might have typed it. lower(trim()) of
// the result is unique per name: the decorations only change case, add outer spaces, add a
// "!" or turn spaces into hyphens (no catalogue name differs from another only that way).
func appendDecorated(r *rng, b []byte, name string) []byte {
	ascii := isASCII(name)
	switch x := r.intn(100); {
	case x < 70 || !ascii:
		return append(b, name...)
	case x < 80: // Title Case
		up := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if up && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			up = c == ' '
			b = append(b, c)
		}
		return b
	case x < 85: // UPPER
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
		}
		return b
	case x < 92:
		b = append(b, "  "...)
		b = append(b, name...)
		return append(b, ' ')
	case x < 97:
		b = append(b, name...)
		return append(b, '!')
	default:
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c == ' ' {
				c = '-'
			}
			b = append(b, c)
		}
		return b
	}
}
