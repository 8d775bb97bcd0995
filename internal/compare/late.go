package compare

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// LateReason begins the reason of every latency verdict the rig's own
// lateness made INCONCLUSIVE: the machine, not the data, could not tell.
const LateReason = "the generator or the platform's timers were late by"

// secondLate is how late the rig made the requests of one health record's
// second: the generator's send lag p99 plus the embedded platform's largest
// timer overshoot. One stall of the process delays a request once (its
// waits are one after another), so a second's lateness counts its worst
// stall once.
func secondLate(h results.Health) time.Duration {
	return h.SendLagP99.Std() + h.TimerOvershootMax.Std()
}

// worstLate is the run's latest second (secondLate): the most the rig can
// have moved a quantile, since a few late seconds move a short run's tail
// as much as all of them would. 0 without health records.
func worstLate(run *results.Run) time.Duration {
	var worst time.Duration
	for _, h := range run.Health {
		worst = max(worst, secondLate(h))
	}
	return worst
}

// typicalLate is a typical second's lateness: the median secondLate over
// the run's health records, weighted by their sends. A few late seconds are
// the bootstrap's to weigh (resampling whole seconds, a run whose tail came
// from them gets a wide interval); what no interval sees is a machine late
// throughout, which inflates both tails alike and dilutes a change. 0
// without health records.
func typicalLate(run *results.Run) time.Duration {
	type rec struct {
		late  time.Duration
		sends uint64
	}
	var recs []rec
	var total uint64
	for _, h := range run.Health {
		if h.Sends > 0 {
			recs = append(recs, rec{secondLate(h), h.Sends})
			total += h.Sends
		}
	}
	slices.SortFunc(recs, func(a, b rec) int { return int(a.late - b.late) })
	var seen uint64
	for _, r := range recs {
		if seen += r.sends; 2*seen >= total {
			return r.late
		}
	}
	return 0
}

// excuseLate makes a quantile row INCONCLUSIVE where the rig's own
// lateness (the larger of the two runs') could explain its verdict. A
// REGRESSED or IMPROVED whose shift |run − baseline| is no larger than the
// worst second's lateness: the machine, not the build, may have moved the
// tail (a false alarm costs a release; the worst case decides). A NO CHANGE
// where a typical second's lateness exceeds the tolerance's share of the
// baseline quantile: a rig late throughout inflates both tails and could
// hide a change of that size. An INCONCLUSIVE row late like that says so
// too: the machine, not only the number of requests, could not tell; so
// does one whose seconds were uneven (the bootstrap's error well above the
// order statistics') where the latest second was late by that share: the
// late seconds may be the uneven ones. qb and qr are the quantiles in µs.
func excuseLate(row *Row, base, run *results.Run, qb, qr, tol float64, uneven bool) {
	shift := time.Duration(math.Abs(qr-qb)) * time.Microsecond
	limit := time.Duration(tol*qb) * time.Microsecond
	var why string
	var late time.Duration
	switch row.Verdict {
	case Regressed, Improved:
		if late = max(worstLate(base), worstLate(run)); late > 0 && shift <= late {
			why = fmt.Sprintf("%s in its latest second: the machine may have moved it", late.Round(100*time.Microsecond))
		}
	case Inconclusive:
		worst := max(worstLate(base), worstLate(run))
		if late = max(typicalLate(base), typicalLate(run)); late <= limit && uneven && worst > limit {
			why = fmt.Sprintf("%s in its latest second, more than the tolerance's %s of the baseline: "+
				"whole seconds varied more than the request count explains, and the late ones may be why",
				worst.Round(100*time.Microsecond), limit.Round(100*time.Microsecond))
			break
		}
		fallthrough
	case NoChange:
		if late = max(typicalLate(base), typicalLate(run)); late > limit {
			why = fmt.Sprintf("%s in a typical second, more than the tolerance's %s of the baseline: ", late.Round(100*time.Microsecond), limit.Round(100*time.Microsecond))
			if row.Verdict == NoChange {
				why += "a change that size could hide"
			} else {
				why += "the machine could not tell either"
			}
		}
	}
	if why != "" {
		if row.Reason != "" {
			row.Reason += "; "
		}
		row.Verdict = Inconclusive
		row.Reason += LateReason + " " + why
	}
}

// excuseStarved makes an availability REGRESSED or IMPROVED INCONCLUSIVE
// where a typical second of either run was late by slo.LateShareTimeout of
// the request timeout or more (the share at which internal/slo calls an
// interval generator-late): a machine that starved the rig most of the run
// fails requests itself, even where no one interval's failures could be
// pinned on it.
func excuseStarved(row *Row, base, run *results.Run) {
	if (row.Verdict != Regressed && row.Verdict != Improved) || base == nil || run == nil {
		return
	}
	late := max(typicalLate(base), typicalLate(run))
	limit := time.Duration(slo.LateShareTimeout * float64(max(base.Header.Targets.Timeout.Std(), run.Header.Targets.Timeout.Std())))
	if limit > 0 && late >= limit {
		row.Verdict = Inconclusive
		row.Reason += fmt.Sprintf("; %s %s in a typical second, %s of the request timeout or more: the machine may have failed them",
			LateReason, late.Round(time.Millisecond), limit.Round(time.Millisecond))
	}
}
