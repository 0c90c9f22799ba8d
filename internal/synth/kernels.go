package synth

var kernelsHeader = []string{"Id", "AuthorUserId", "CurrentKernelVersionId",
	"ForkParentKernelVersionId", "ForumTopicId", "FirstKernelVersionId", "CreationDate",
	"EvaluationDate", "MadePublicDate", "IsProjectLanguageTemplate", "CurrentUrlSlug", "Medal",
	"MedalAwardDate", "TotalViews", "TotalComments", "TotalVotes"}

// kernelVersionID numbers a kernel's versions (at most 99 a kernel).
func kernelVersionID(kernel int64, n int) int64 { return kernel*100 + int64(n) }

// writeKernels writes Kernels.csv (both layouts). Views, comments and votes only grow; a
// day with activity may also add a version (the evaluation date moves with it).
func (d *day) writeKernels(t *tableWriter) error {
	key := streamKey(d.seed, sKernel)
	kEvent := streamKey(d.seed, sKernelEvent)
	for id := int64(1); id <= d.kernels; id++ {
		kind := t.pickDefect(uint64(id))
		r := newRNG(key, uint64(id), 0)
		b := birth(id, d.kernels0, d.kernelsPerDay)
		created := d.createdAt(&r, id, d.kernels0, b, kernelsOrigin)
		author := d.userRef(&r, created)
		versions := 1
		if r.pct(60) {
			versions += int(r.logUniform(1, 6))
		}
		evaluated := created + r.int63n(max(1, d.startDay*secondsPerDay-created))
		if b > 0 {
			evaluated = created
		}
		var views int64
		if b == 0 {
			views = r.logUniform(3, 20)
		} else {
			views = r.logUniform(1, 6)
		}
		comments := views / r.between(200, 3000)
		votes := views / r.between(50, 500)

		ev := d.kActivity.events(newRNG(kEvent, uint64(id), 0), d.k)
		for {
			day, ok := ev.next()
			if !ok {
				break
			}
			if day <= b {
				continue
			}
			er := newRNG(kEvent, uint64(id), uint64(day))
			views += 1 + er.int63n(20) + views/er.between(50, 500)
			comments += er.int63n(2)
			votes += er.int63n(3)
			if er.pct(20) && versions < 99 {
				versions++
				evaluated = (d.startDay+int64(day)-1)*secondsPerDay + er.int63n(secondsPerDay)
			}
		}

		w := &t.row
		w.reset()
		w.intOrNull(id, kind != DefectNullID)
		w.int(author)
		w.int(kernelVersionID(id, versions))
		if id > 1 && r.pct(20) {
			w.int(kernelVersionID(1+r.int63n(id-1), 1))
		} else {
			w.null()
		}
		w.intOrNull(3_000_000+id, r.pct(5))
		w.int(kernelVersionID(id, 1))
		w.ts(created)
		if r.pct(3) {
			w.null()
		} else {
			w.ts(evaluated)
		}
		public := created + r.between(0, 30)*secondsPerDay
		w.dateOrNull(public, r.pct(85) && public < d.snapshot)
		w.boolean(r.permille(1))
		s := appendSlug(t.tmp[:0], pick(&r, kernelVerbs))
		s = append(s, '-')
		s = append(s, pick(&r, kernelTopics)...)
		s = append(s, '-')
		s = append(s, pick(&r, kernelMethods)...)
		if r.pct(30) {
			s = append(s, '-')
			s = appendUint(s, uint64(r.between(1, 99)))
		}
		t.tmp = s
		w.textBytes(s)
		medalAt := created + r.between(2, 60)*secondsPerDay
		if r.pct(3) && medalAt < d.snapshot {
			w.int(pick(&r, []int64{1, 2, 3, 3, 3}))
			w.date(medalAt)
		} else {
			w.null()
			w.null()
		}
		if kind == DefectNegativeViews {
			w.int(-1 - views%1000)
		} else {
			w.int(views)
		}
		w.int(comments)
		w.int(votes)
		if err := t.emit(kind); err != nil {
			return err
		}
	}
	return nil
}

func (r *row) dateOrNull(sec int64, ok bool) {
	if ok {
		r.date(sec)
	} else {
		r.null()
	}
}
