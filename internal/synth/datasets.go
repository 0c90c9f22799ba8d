package synth

import "strings"

var (
	kaggleDatasetsHeader = []string{"Id", "CreatorUserId", "OwnerUserId", "OwnerOrganizationId",
		"CurrentDatasetVersionId", "CurrentDatasourceVersionId", "ForumId", "Type", "CreationDate",
		"LastActivityDate", "TotalViews", "TotalDownloads", "TotalVotes", "TotalKernels", "Medal",
		"MedalAwardDate"}
	planDatasetsHeader = []string{"Id", "Title", "Subtitle", "CreatorUserId", "TotalViews",
		"TotalDownloads", "CreationDate", "LastUpdatedDate", "Type", "IsPrivate"}
	datasetVersionsHeader = []string{"Id", "DatasetId", "DatasourceVersionId", "CreatorUserId",
		"LicenseName", "CreationDate", "VersionNumber", "Title", "Slug", "Subtitle", "Description",
		"VersionNotes", "TotalCompressedBytes", "TotalUncompressedBytes"}
)

// maxVersions caps a dataset's versions so that version ids (dataset id × 1000 + number) stay
// unique and versionID(id, 999) is free for the missing_version defect.
const maxVersions = 998

func versionID(dataset int64, number int) int64 { return dataset*1000 + int64(number) }

// datasourceVersionID keeps DatasourceVersionId distinct from the version id, as in Kaggle.
func datasourceVersionID(dataset int64, number int) int64 {
	return 4_000_000_000 + versionID(dataset, number)
}

// maxTagLinks caps a dataset's tags so that link ids (dataset id × 10 + number) stay unique.
const maxTagLinks = 9

// dataset is one dataset's state on one day, computed from scratch from (seed, id, day).
type dataset struct {
	id      int64
	birth   int
	created int64 // Unix seconds
	creator int64
	owner   int64 // 0: OwnerUserId empty (CreatorUserId is the owner)
	org     int64 // OwnerOrganizationId, 0: none
	forum   int64
	typ     int
	license int

	baseVersions int
	baseLast     int64   // last activity before Start
	versions     int     // versions on this day
	eventVerAt   []int64 // creation times of the versions added by daily updates
	lastActivity int64

	views, downloads, votes, kernels int64
	dlPct                            int64
	medal                            int
	medalAt                          int64

	tags      int // tag links on this day (Kaggle)
	planExtra int // extra tags in the plan layout's JSON arrays
	private   int // plan: 0 false, 1 true, 2 null
}

type datasetKeys struct{ base, event, title, version, tag uint64 }

func (d *day) datasetKeys() datasetKeys {
	return datasetKeys{
		base:    streamKey(d.seed, sDataset),
		event:   streamKey(d.seed, sDatasetEvent),
		title:   streamKey(d.seed, sDatasetTitle),
		version: streamKey(d.seed, sDatasetVersion),
		tag:     streamKey(d.seed, sDatasetTag),
	}
}

// compute fills s with dataset id's state on day d. s's slices are reused.
func (d *day) compute(s *dataset, keys *datasetKeys, id int64) {
	r := newRNG(keys.base, uint64(id), 0)
	*s = dataset{id: id, eventVerAt: s.eventVerAt[:0]}
	s.birth = birth(id, d.datasets0, d.datasetsPerDay)
	s.created = d.createdAt(&r, id, d.datasets0, s.birth, datasetsOrigin)
	s.creator = d.userRef(&r, s.created)
	switch o := r.intn(100); {
	case o < 70:
		s.owner = s.creator
		if r.pct(5) { // transferred to another user
			s.owner = d.userRef(&r, s.created)
		}
	case o < 90:
	default:
		s.org = r.between(1, 6000)
	}
	if !r.pct(1) {
		s.forum = 2_000_000 + id
	}
	s.typ = d.typeW.pick(&r)
	s.license = d.licenseW.pick(&r)

	if s.birth == 0 {
		s.views = r.logUniform(5, 22)
		// Activity before Start: some time between creation and the day before Start.
		span := d.startDay*secondsPerDay - s.created
		s.baseLast = s.created + r.int63n(max(1, span))
		switch v := r.intn(100); {
		case v < 55:
			s.baseVersions = 1
		default:
			s.baseVersions = 1 + int(r.logUniform(1, 4)) + r.intn(2) // about 4.5: 2.6 on average with the 55 %
		}
	} else {
		s.views = r.logUniform(1, 9)
		s.baseLast = s.created
		s.baseVersions = 1
	}
	s.dlPct = r.between(3, 25)
	s.downloads = s.views * s.dlPct / 100
	s.votes = s.views / r.between(150, 1500)
	s.kernels = s.views / r.between(2000, 20000)
	if r.pct(4) && s.views >= 1000 {
		s.medal = [...]int{1, 2, 2, 3, 3, 3, 3, 3, 3, 3}[r.intn(10)]
		s.medalAt = s.created + r.between(3, 120)*secondsPerDay
	}
	// 0.86 tag links per dataset on average, most datasets untagged (Meta Kaggle, 2025).
	switch t := r.intn(100); {
	case t < 61:
	case t < 75:
		s.tags = 1
	case t < 86:
		s.tags = 2
	case t < 94:
		s.tags = 3
	case t < 98:
		s.tags = 4
	default:
		s.tags = 5
	}
	switch e := r.intn(10); {
	case e < 2:
	case e < 7:
		s.planExtra = 1
	default:
		s.planExtra = 2
	}
	switch p := r.intn(100); {
	case p < 10:
		s.private = 1
	case p < 12:
		s.private = 2
	}
	s.versions = s.baseVersions
	s.lastActivity = s.baseLast

	ev := d.dsUpdate.events(newRNG(keys.event, uint64(id), 0), d.k)
	for {
		day, ok := ev.next()
		if !ok {
			break
		}
		if day <= s.birth {
			continue
		}
		er := newRNG(keys.event, uint64(id), uint64(day))
		at := (d.startDay+int64(day)-1)*secondsPerDay + er.int63n(secondsPerDay)
		inc := 1 + s.views/er.between(20, 100) + er.int63n(50)
		s.views += inc
		s.downloads += inc * s.dlPct / 100
		s.votes += er.int63n(3)
		if er.pct(10) {
			s.kernels++
		}
		if er.pct(25) && s.versions < maxVersions {
			s.versions++
			s.eventVerAt = append(s.eventVerAt, at)
		}
		if er.pct(10) && s.tags < maxTagLinks {
			s.tags++
		}
		s.lastActivity = at
	}
}

// versionAt returns when version n (1-based) of s was created.
func (s *dataset) versionAt(n int) int64 {
	switch {
	case n == 1:
		return s.created
	case n <= s.baseVersions:
		return s.created + (s.baseLast-s.created)*int64(n-1)/int64(s.baseVersions-1)
	default:
		return s.eventVerAt[n-s.baseVersions-1]
	}
}

// titleEpoch returns the version whose title version n carries: a new version renames the
// dataset one time in seven or so.
func (d *day) titleEpoch(keys *datasetKeys, id int64, n int) int {
	for ; n > 1; n-- {
		r := newRNG(keys.version, uint64(id), uint64(n))
		if r.pct(15) {
			return n
		}
	}
	return 1
}

// appendTitle composes the title of dataset id at a title epoch into b, and its slug into
// slug.
func (d *day) appendTitle(keys *datasetKeys, id int64, epoch int, b, slug []byte) ([]byte, []byte) {
	r := newRNG(keys.title, uint64(id), uint64(epoch))
	subj := pick(&r, subjects)
	start := len(b)
	switch p := r.intn(100); {
	case p < 40:
		if r.pct(40) {
			b = append(b, pick(&r, places)...)
			b = append(b, ' ')
		}
		b = append(b, subj...)
		if k := pick(&r, datasetKinds); k != "" {
			b = append(b, ' ')
			b = append(b, k...)
		}
	case p < 60:
		b = append(b, subj...)
		b = append(b, ' ')
		b = appendUint(b, uint64(r.between(2010, 2025)))
	case p < 70:
		y := r.between(1960, 2015)
		b = append(b, subj...)
		b = append(b, " ("...)
		b = appendUint(b, uint64(y))
		b = append(b, '-')
		b = appendUint(b, uint64(y+r.between(3, 10)))
		b = append(b, ')')
	case p < 80:
		b = append(b, subj...)
		b = append(b, ", "...)
		b = append(b, pick(&r, subjects)...)
		b = append(b, " and More"...)
	case p < 85:
		b = append(b, "The \""...)
		b = append(b, subj...)
		b = append(b, "\" Dataset"...)
	case p < 93:
		u := pick(&r, unicodeTitles)
		b = append(b, u.text...)
		return b, append(slug, u.slug...)
	default:
		b = append(b, subj...)
		b = append(b, " - Cleaned"...)
	}
	return b, appendSlug(slug, string(b[start:]))
}

// appendSubtitle returns a subtitle (or nothing), sometimes on two lines.
func appendSubtitle(r *rng, b []byte) []byte {
	if r.pct(30) {
		return b
	}
	b = append(b, pick(r, subtitleFragments)...)
	if r.permille(15) {
		b = append(b, '\n')
		b = append(b, pick(r, subtitleFragments)...)
	}
	return b
}

// appendDescription returns a Markdown description: often several lines, with commas,
// quotes, code spans and other scripts.
func appendDescription(r *rng, b []byte, subject string) []byte {
	if r.pct(15) {
		return b
	}
	multi := r.pct(60)
	n := 1 + r.intn(5)
	for i := 0; i < n; i++ {
		if multi && (i == 0 || r.pct(30)) {
			if i > 0 {
				b = append(b, "\n\n"...)
			}
			b = append(b, pick(r, descriptionHeadings)...)
			b = append(b, "\n\n"...)
		} else if i > 0 {
			b = append(b, ' ')
		}
		s := pick(r, descriptionSentences)
		if j := strings.Index(s, "%s"); j >= 0 {
			b = append(b, s[:j]...)
			b = appendLowerASCIIWords(b, subject)
			b = append(b, s[j+2:]...)
		} else {
			b = append(b, s...)
		}
	}
	if multi && r.pct(50) {
		b = append(b, "\n\n"...)
		for i, m := 0, 2+r.intn(4); i < m; i++ {
			if i > 0 {
				b = append(b, '\n')
			}
			b = append(b, pick(r, descriptionBullets)...)
		}
	}
	return b
}

// writeDatasets writes the Kaggle layout's Datasets.csv.
func (d *day) writeKaggleDatasets(t *tableWriter) error {
	keys := d.datasetKeys()
	var s dataset
	for id := int64(1); id <= d.datasets; id++ {
		kind := t.pickDefect(uint64(id))
		d.compute(&s, &keys, id)
		w := &t.row
		w.reset()
		w.intOrNull(id, kind != DefectNullID)
		if kind == DefectNullOwner {
			w.null()
			w.null()
		} else {
			w.int(s.creator)
			w.intOrNull(s.owner, s.owner != 0)
		}
		w.intOrNull(s.org, s.org != 0)
		if kind == DefectMissingVersion {
			w.int(versionID(id, maxVersions+1))
		} else {
			w.int(versionID(id, s.versions))
		}
		w.int(datasourceVersionID(id, s.versions))
		w.intOrNull(s.forum, s.forum != 0)
		w.text(datasetTypes[s.typ])
		w.ts(s.created)
		if kind == DefectUpdatedBeforeCreated {
			w.date(s.created - (2+int64(s.id%30))*secondsPerDay)
		} else {
			w.date(s.lastActivity)
		}
		d.views(t, kind, s.views)
		d.downloads(w, kind, s.downloads)
		w.int(s.votes)
		w.int(s.kernels)
		if s.medal != 0 && s.medalAt < d.snapshot {
			w.int(int64(s.medal))
			w.date(s.medalAt)
		} else {
			w.null()
			w.null()
		}
		if err := t.emit(kind); err != nil {
			return err
		}
	}
	return nil
}

func (d *day) views(t *tableWriter, kind string, v int64) {
	switch kind {
	case DefectNegativeViews:
		t.row.int(-1 - v%1000)
	case DefectNonNumeric:
		// Digits with a letter inside ("12a3"): not an integer, yet clearly a number gone bad.
		t.tmp2 = appendUint(t.tmp2[:0], uint64(v))
		m := max(1, len(t.tmp2)/2)
		t.tmp2 = append(t.tmp2[:m], append([]byte{'a'}, t.tmp2[m:]...)...)
		t.row.num(string(t.tmp2))
	default:
		t.row.int(v)
	}
}

func (d *day) downloads(w *row, kind string, v int64) {
	if kind == DefectNegativeDownloads {
		w.int(-1 - v%1000)
		return
	}
	w.int(v)
}

var (
	trueSpellings  = []string{"TRUE", "true", "True", "TRUE"}
	falseSpellings = []string{"FALSE", "false", "False", "FALSE"}
)

// writePlanDatasets writes the plan layout's datasets.csv.
func (d *day) writePlanDatasets(t *tableWriter) error {
	keys := d.datasetKeys()
	var s dataset
	for id := int64(1); id <= d.datasets; id++ {
		kind := t.pickDefect(uint64(id))
		d.compute(&s, &keys, id)
		w := &t.row
		w.reset()
		if kind == DefectNullID {
			w.null()
		} else {
			w.planID('D', id)
		}
		epoch := d.titleEpoch(&keys, id, s.versions)
		var slug []byte
		t.tmp, slug = d.appendTitle(&keys, id, epoch, t.tmp[:0], t.tmp2[:0])
		t.tmp2 = slug
		if kind == DefectEmptyTitle {
			w.quoted("   ")
		} else {
			w.textBytes(t.tmp)
		}
		vr := newRNG(keys.version, uint64(id), uint64(s.versions))
		vr.next() // the title-change draw of titleEpoch
		t.tmp = appendSubtitle(&vr, t.tmp[:0])
		w.textBytes(t.tmp)
		if kind == DefectNullOwner {
			w.null()
		} else {
			w.planID('U', s.creator)
		}
		r := newRNG(keys.base, uint64(id), 1)
		if kind == "" && r.permille(3) {
			w.null() // silver imputes missing counts
		} else {
			d.views(t, kind, s.views)
		}
		if kind == "" && r.permille(5) {
			w.null()
		} else {
			d.downloads(w, kind, s.downloads)
		}
		w.ts(s.created)
		switch {
		case kind == DefectUpdatedBeforeCreated:
			w.ts(s.created - (2+int64(s.id%30))*secondsPerDay - r.int63n(secondsPerDay))
		case r.permille(5):
			w.null() // flagged has_missing_dates by silver
		default:
			w.ts(s.lastActivity)
		}
		w.text(datasetTypes[s.typ])
		switch s.private {
		case 0:
			w.text(pick(&r, falseSpellings))
		case 1:
			w.text(pick(&r, trueSpellings))
		default:
			w.null()
		}
		if err := t.emit(kind); err != nil {
			return err
		}
	}
	return nil
}

// writeDatasetVersions writes DatasetVersions.csv: every version of every dataset. Defects
// touch only versions that are not current, so no dataset ever loses its title to a
// defect injected here (each defect stays exactly one reject).
func (d *day) writeDatasetVersions(t *tableWriter) error {
	keys := d.datasetKeys()
	var s dataset
	slug := make([]byte, 0, 128)
	for id := int64(1); id <= d.datasets; id++ {
		d.compute(&s, &keys, id)
		epoch := 1
		var subject string
		for n := 1; n <= s.versions; n++ {
			vid := versionID(id, n)
			kind := ""
			if n < s.versions {
				kind = t.pickDefect(uint64(vid))
			}
			vr := newRNG(keys.version, uint64(id), uint64(n))
			if vr.pct(15) && n > 1 {
				epoch = n
			}
			w := &t.row
			w.reset()
			w.int(vid)
			w.int(id)
			w.int(datasourceVersionID(id, n))
			if vr.pct(8) {
				w.int(d.userRef(&vr, s.versionAt(n)))
			} else {
				w.int(s.creator)
			}
			w.text(licenses[s.license])
			w.ts(s.versionAt(n))
			w.int(int64(n))
			t.tmp, t.tmp2 = d.appendTitle(&keys, id, epoch, t.tmp[:0], t.tmp2[:0])
			w.textBytes(t.tmp)
			if n == 1 {
				slug = append(slug[:0], t.tmp2...)
				tr := newRNG(keys.title, uint64(id), 1)
				subject = pick(&tr, subjects)
			}
			w.textBytes(slug)
			t.tmp = appendSubtitle(&vr, t.tmp[:0])
			w.textBytes(t.tmp)
			t.tmp = appendDescription(&vr, t.tmp[:0], subject)
			w.textBytes(t.tmp)
			switch {
			case n == 1 && vr.pct(60):
				w.text(versionNotes[0])
			case vr.pct(30):
				w.null()
			default:
				w.text(pick(&vr, versionNotes))
			}
			if vr.pct(5) {
				w.null()
				w.null()
			} else {
				c := vr.logUniform(10, 33)
				w.int(c)
				w.int(c * vr.between(15, 90) / 10)
			}
			if err := t.emit(kind); err != nil {
				return err
			}
		}
	}
	return nil
}
