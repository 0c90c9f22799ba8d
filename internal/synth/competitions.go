package synth

// competitionsHeader is Competitions.csv as published in 2025: the 42 columns of the 2022
// file in a new order plus six new ones (ScoreTruncationNumDecimals, CompetitionLicenseName,
// HasScripts, IsPrivate, MaxTeamSizeForMerger, EvaluationSetupId): 48 columns.
var competitionsHeader = []string{"Id", "Slug", "Title", "Subtitle", "HostSegmentTitle",
	"ForumId", "OrganizationId", "EnabledDate", "DeadlineDate", "ProhibitNewEntrantsDeadlineDate",
	"TeamMergerDeadlineDate", "TeamModelDeadlineDate", "ModelSubmissionDeadlineDate",
	"FinalLeaderboardHasBeenVerified", "HasKernels", "OnlyAllowKernelSubmissions",
	"HasLeaderboard", "LeaderboardPercentage", "ScoreTruncationNumDecimals",
	"EvaluationAlgorithmAbbreviation", "EvaluationAlgorithmName", "EvaluationAlgorithmDescription",
	"EvaluationAlgorithmIsMax", "MaxDailySubmissions", "NumScoredSubmissions", "MaxTeamSize",
	"BanTeamMergers", "EnableTeamModels", "RewardType", "RewardQuantity", "NumPrizes",
	"UserRankMultiplier", "CanQualifyTiers", "TotalTeams", "TotalCompetitors", "TotalSubmissions",
	"ValidationSetName", "ValidationSetValue", "EnableSubmissionModelHashes",
	"EnableSubmissionModelAttachments", "HostName", "CompetitionTypeId", "LeaderboardDisplayFormat",
	"CompetitionLicenseName", "HasScripts", "IsPrivate", "MaxTeamSizeForMerger", "EvaluationSetupId"}

// competitionIDBase makes ids look like Kaggle's (the first competition was 2408).
const competitionIDBase = 2400

// writeCompetitions writes Competitions.csv (both layouts), every field quoted like the real
// file. Teams, competitors and submissions grow while a competition runs and then stay.
func (d *day) writeCompetitions(t *tableWriter) error {
	key := streamKey(d.seed, sCompetition)
	for i := int64(1); i <= d.comps; i++ {
		id := competitionIDBase + i
		kind := t.pickDefect(uint64(id))
		r := newRNG(key, uint64(i), 0)
		b := 0
		if i > d.comps0 {
			// comps0/2000 new competitions a day: competition i appears on the first day
			// whose count reaches it.
			b = int(((i-d.comps0)*2000 + d.comps0 - 1) / d.comps0)
		}
		enabled := d.createdAt(&r, i, d.comps0, b, competitionsOrigin)
		seg := d.segmentW.pick(&r)
		length := r.between(20, 120) * secondsPerDay
		deadline := (enabled+length)/secondsPerDay*secondsPerDay + 23*3600 + 59*60
		inverted := r.pct(3) // real data has these: a flag downstream, never a reject
		if inverted {
			deadline = enabled - r.between(1, 400)*secondsPerDay
		}
		w := &t.row
		w.reset()
		w.intOrNull(id, kind != DefectNullID)

		// Title and slug.
		title, slug := t.tmp[:0], t.tmp2[:0]
		switch {
		case seg == segGettingStarted:
			g := pick(&r, gettingStarted)
			title, slug = append(title, g.text...), append(slug, g.slug...)
		case seg == segPlayground:
			s, e := r.between(1, 5), r.between(1, 26)
			title = append(title, "Playground Series - Season "...)
			title = appendUint(title, uint64(s))
			title = append(title, ", Episode "...)
			title = appendUint(title, uint64(e))
			slug = append(slug, "playground-series-s"...)
			slug = appendUint(slug, uint64(s))
			slug = append(slug, 'e')
			slug = appendUint(slug, uint64(e))
		case (seg == segCommunity || seg == segInClass) && r.pct(12):
			c := pick(&r, classTitles)
			title, slug = append(title, c.text...), append(slug, c.slug...)
		default:
			start := len(title)
			if seg != segCommunity && seg != segInClass {
				title = append(title, pick(&r, sponsors)...)
				title = append(title, ' ')
			}
			title = append(title, pick(&r, subjects)...)
			title = append(title, ' ')
			title = append(title, pick(&r, competitionSuffixes)...)
			slug = appendSlug(slug, string(title[start:]))
		}
		slug = append(slug, '-')
		slug = appendUint(slug, uint64(i))
		t.tmp, t.tmp2 = title, slug
		w.textBytes(slug)
		w.textBytes(title)
		switch x := r.intn(10); {
		case x < 5:
			w.text("Predict " + pick(&r, subjects) + " from " + pick(&r, subjects) + ", using the provided data")
		case x < 8:
			w.text(pick(&r, subtitleFragments))
		default:
			w.null()
		}
		w.text(hostSegments[seg])
		if r.permille(2) {
			w.null()
		} else {
			w.int(500_000 + id*3)
		}
		featured := seg == segFeatured || seg == segResearch || seg == segRecruitment
		w.intOrNull(r.between(1, 6000), featured || r.pct(5))
		w.ts(enabled)
		w.ts(deadline)
		late := deadline - 7*secondsPerDay
		w.tsOrNull(late, featured && r.pct(80))
		w.tsOrNull(late, featured && r.pct(80))
		w.tsOrNull(deadline, r.pct(4))
		w.tsOrNull(deadline+7*secondsPerDay, r.permille(3))
		w.boolean(true)
		w.boolean(!r.pct(9))
		w.boolean(r.pct(2) || seg == segAnalytics)
		w.boolean(!r.permille(3))
		w.int(pick(&r, []int64{30, 50, 100, 20, 25, 40, 70, 0}))
		w.intOrNull(r.between(3, 6), r.pct(20))
		m := metrics[d.metricW.pick(&r)]
		w.text(m.abbr)
		if r.pct(3) {
			w.null()
		} else {
			w.text(m.name)
		}
		w.text(m.description)
		w.boolean(m.isMax)
		w.int(pick(&r, []int64{20, 5, 10, 2, 3, 4, 15, 1}))
		w.int(pick(&r, []int64{2, 2, 2, 1, 5, 20, 3, 10}))
		maxTeam, maxTeamOK := int64(0), false
		switch x := r.intn(100); {
		case x < 85:
		case x < 88:
			maxTeam, maxTeamOK = 2147483647, true // Kaggle's "no limit" sentinel
		default:
			maxTeam, maxTeamOK = r.between(1, 10), true
		}
		w.intOrNull(maxTeam, maxTeamOK)
		w.boolean(r.pct(30))
		w.boolean(r.pct(4))
		d.reward(w, &r, seg)
		switch {
		case featured:
			w.int(1)
		case r.permille(2):
			w.num("1E-16")
		case r.pct(1):
			w.num("0.5")
		default:
			w.int(0)
		}
		w.boolean(featured)

		// Participation grows linearly from EnabledDate to DeadlineDate, as of the snapshot.
		teams := r.logUniform(1, 13) - 1
		competitors := teams + teams*r.between(0, 40)/100
		subs := teams * r.between(1, 30)
		if !inverted && deadline > enabled && d.snapshot < deadline {
			done := max(0, d.snapshot-enabled)
			span := deadline - enabled
			teams = teams * done / span
			competitors = competitors * done / span
			subs = subs * done / span
		}
		if kind == DefectNegativeTeams {
			w.int(-1 - teams%50)
		} else {
			w.int(teams)
		}
		w.int(competitors)
		w.int(subs)
		vs := validationSets[d.validationW.pick(&r)]
		w.text(vs.name)
		w.text(vs.value)
		w.boolean(r.permille(2))
		w.boolean(r.permille(3))
		switch {
		case featured && r.pct(60):
			w.text(pick(&r, sponsors))
		case r.pct(8):
			w.text(pick(&r, universities))
		default:
			w.null()
		}
		if r.permille(2) {
			w.int(2)
		} else {
			w.int(1)
		}
		w.text(pick(&r, leaderboardFormats))
		w.text(pick(&r, competitionLicenses))
		w.boolean(!r.pct(10))
		w.boolean(r.pct(1))
		w.intOrNull(maxTeam, maxTeamOK && r.pct(50))
		w.intOrNull(r.between(1, 50_000), r.pct(15))
		if err := t.emit(kind); err != nil {
			return err
		}
	}
	return nil
}

// reward writes RewardType, RewardQuantity and NumPrizes. Quantities carry four decimals
// ("25000.0000") as in the real file; only USD amounts are money that can be summed.
func (d *day) reward(w *row, r *rng, seg int) {
	typ := ""
	switch seg {
	case segFeatured, segResearch, segMasters:
		typ = pick(r, []string{"USD", "USD", "USD", "USD", "USD", "USD", "EUR", "Swag", "Knowledge"})
	case segPlayground:
		typ = pick(r, []string{"Swag", "Kudos", "Knowledge", "USD"})
	case segGettingStarted:
		typ = pick(r, []string{"Knowledge", "Kudos"})
	case segRecruitment, segProspect, segGEQuests, segAnalytics:
		typ = pick(r, []string{"USD", "Knowledge", ""})
	default:
		typ = pick(r, []string{"", "", "", "", "", "", "Knowledge", "Kudos"})
	}
	w.text(typ)
	var q int64
	switch typ {
	case "USD", "EUR":
		q = pick(r, []int64{1000, 5000, 10000, 25000, 50000, 100000, 250000, 1000000})
	case "Swag", "Kudos":
		q = r.between(0, 3)
	case "":
		if !r.pct(20) {
			w.null()
			w.int(pick(r, []int64{1, 1, 1, 0}))
			return
		}
	}
	w.num(string(append(appendUint(nil, uint64(q)), ".0000"...)))
	w.int(pick(r, []int64{1, 1, 3, 3, 5, 0, 4, 10}))
}

func (r *row) tsOrNull(sec int64, ok bool) {
	if ok {
		r.ts(sec)
	} else {
		r.null()
	}
}
