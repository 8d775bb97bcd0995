package compare

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/slocheck/slocheck/results"
)

// LateReason begins the reason of every latency verdict the rig's own
// lateness made INCONCLUSIVE: the machine, not the data, could not tell.
const LateReason = "the generator or the platform's timers were late by"

// lateness is how late the rig made the requests of a typical second of
// the run: the median, over its health records weighted by their sends, of
// the generator's send lag p99 plus the embedded platform's largest timer
// overshoot. One stall of the process delays a request once (its waits are
// one after another), so a second's lateness is its send lag and its worst
// stall, not three of them. The median, not the worst second: a few late
// seconds are the bootstrap's to find (resampling whole seconds, a run whose
// tail came from them gets a wide interval); what no interval sees is a
// machine late throughout both runs, which inflates both tails alike and
// dilutes a change. 0 without health records.
func lateness(run *results.Run) time.Duration {
	type rec struct {
		late  time.Duration
		sends uint64
	}
	var recs []rec
	var total uint64
	for _, h := range run.Health {
		if h.Sends > 0 {
			recs = append(recs, rec{h.SendLagP99.Std() + h.TimerOvershootMax.Std(), h.Sends})
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
// lateness (the larger of the two runs') could explain its verdict: a
// REGRESSED or IMPROVED whose shift |run − baseline| is no larger than the
// lateness (the machine, not the build, may have moved the tail), or a NO
// CHANGE where the lateness exceeds the tolerance's share of the baseline
// quantile (a late rig inflates both tails and could hide a change of that
// size). An INCONCLUSIVE row whose lateness exceeds that share says so too:
// the machine, not only the number of requests, could not tell. qb and qr
// are the quantiles in µs.
func excuseLate(row *Row, base, run *results.Run, qb, qr, tol float64) {
	late := max(lateness(base), lateness(run))
	if late <= 0 {
		return
	}
	shift := time.Duration(math.Abs(qr-qb)) * time.Microsecond
	limit := time.Duration(tol*qb) * time.Microsecond
	why := ""
	switch row.Verdict {
	case Regressed, Improved:
		if shift <= late {
			why = "the machine may have moved it"
		}
	case NoChange, Inconclusive:
		if late > limit {
			why = fmt.Sprintf("more than the tolerance's %s of the baseline: a change that size could hide", limit.Round(100*time.Microsecond))
			if row.Verdict == Inconclusive {
				why = fmt.Sprintf("more than the tolerance's %s of the baseline: the machine could not tell either", limit.Round(100*time.Microsecond))
			}
		}
	}
	if why != "" {
		if row.Reason != "" {
			row.Reason += "; "
		}
		row.Verdict = Inconclusive
		row.Reason += fmt.Sprintf("%s %s in a typical second: %s", LateReason, late.Round(100*time.Microsecond), why)
	}
}
