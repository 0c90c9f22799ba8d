package synth

var (
	kaggleUsersHeader = []string{"Id", "UserName", "DisplayName", "RegisterDate", "PerformanceTier", "Country", "LocationSharingOptOut"}
	planUsersHeader   = []string{"Id", "UserName", "RegisterDate", "Country"}
)

// Performance tiers 1 (Contributor, Novice folded in since July 2025) … 4 (Grandmaster),
// 5 (Kaggle staff).
var tierWeights = []uint32{9300, 550, 120, 25, 5}

var badCountryCodes = []string{"USA", "X", "VNM", "GBR", "U", "IND"}

// writeUsers writes one row per user id 1..d.users. A user's row on day k depends only on
// (seed, id, k): its name and country are drawn from the epochs (the days of the user's last
// rename and last move up to k), found from per-user event processes.
func (d *day) writeUsers(t *tableWriter) error {
	kUser := streamKey(d.seed, sUser)
	kName := streamKey(d.seed, sUserName)
	kCountry := streamKey(d.seed, sUserCountry)
	kRename := streamKey(d.seed, sUserRename)
	kMove := streamKey(d.seed, sUserMove)
	tiers := newWeights(tierWeights...)
	for id := int64(1); id <= d.users; id++ {
		uid := uint64(id)
		kind := t.pickDefect(uid)
		r := newRNG(kUser, uid, 0)
		reg := d.createdAt(&r, id, d.users0, birth(id, d.users0, d.usersPerDay), usersOrigin)
		tier := int64(tiers.pick(&r) + 1)
		nr := newRNG(kName, uid, uint64(d.rename.lastEvent(newRNG(kRename, uid, 0), d.k)))
		display, handle := d.person(&nr, t.tmp[:0], t.tmp2[:0])
		t.tmp, t.tmp2 = display, handle
		cr := newRNG(kCountry, uid, uint64(d.move.lastEvent(newRNG(kMove, uid, 0), d.k)))

		w := &t.row
		w.reset()
		if kind == DefectNullID {
			w.null()
		} else if d.plan {
			w.planID('U', id)
		} else {
			w.int(id)
		}
		if !d.plan {
			d.userName(w, kind, handle)
			w.textBytes(display)
		} else {
			d.userName(w, kind, display)
		}
		switch {
		case kind == DefectBadDate:
			y, _, _ := civil(reg / secondsPerDay)
			t.tmp2 = append4(append(t.tmp2[:0], "13/45/"...), y)
			w.textBytes(t.tmp2)
		case !d.plan:
			w.date(reg)
		default:
			switch f := r.intn(100); {
			case f < 94:
				w.ts(reg)
			case f < 99:
				w.date(reg)
			default:
				w.null() // silver imputes a missing signup date
			}
		}
		if d.plan {
			ci := d.pickCountry(&cr)
			switch {
			case kind == DefectBadCountry:
				w.text(pick(&cr, badCountryCodes))
			case cr.pct(3):
				w.text(lowerASCII(d.countryCodes[ci]))
			default:
				w.text(d.countryCodes[ci])
			}
			if err := t.emit(kind); err != nil {
				return err
			}
			continue
		}
		w.int(tier)
		has := cr.pct(5)
		ci := d.pickCountry(&cr)
		switch {
		case kind == DefectUnmappedCountry:
			w.text(pick(&cr, unmappedCountries))
		case has:
			w.text(d.countryNames[ci])
		default:
			w.null()
		}
		w.boolean(r.pct(3) || (has && r.pct(10)))
		if err := t.emit(kind); err != nil {
			return err
		}
	}
	return nil
}

func (d *day) userName(w *row, kind string, name []byte) {
	switch kind {
	case DefectEmptyName:
		w.quoted("   ")
	case DefectNullName:
		w.null()
	default:
		w.textBytes(name)
	}
}

// planID appends a plan-layout id: a letter and at least six digits (U000001). Ids past
// 999999 simply grow a digit, so an id never changes as the table grows.
func (r *row) planID(prefix byte, id int64) {
	r.sep()
	r.b = appendPlanID(r.b, prefix, id)
}

func appendPlanID(b []byte, prefix byte, id int64) []byte {
	b = append(b, prefix)
	for p := int64(100000); p > 1 && id < p; p /= 10 {
		b = append(b, '0')
	}
	return appendUint(b, uint64(id))
}
