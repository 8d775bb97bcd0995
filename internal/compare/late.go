package compare

import (
	"fmt"
	"math"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// lateness is how late the rig itself could have made a request of the run:
// the largest, over its health records, of the generator's send lag p99
// plus slo.PlatformWaits times the embedded platform's timer overshoot (as
// internal/slo bounds one request's lateness). 0 without health records.
func lateness(run *results.Run) time.Duration {
	var worst time.Duration
	for _, h := range run.Health {
		worst = max(worst, h.SendLagP99.Std()+slo.PlatformWaits*h.TimerOvershootMax.Std())
	}
	return worst
}

// excuseLate makes a quantile row INCONCLUSIVE where the rig's own
// lateness (the larger of the two runs') could explain its verdict: a
// REGRESSED or IMPROVED whose shift |run − baseline| is no larger than the
// lateness (the machine, not the build, may have moved the tail), or a NO
// CHANGE where the lateness exceeds the tolerance's share of the baseline
// quantile (a late rig inflates both tails and could hide a change of that
// size). qb and qr are the quantiles in µs.
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
	case NoChange:
		if late > limit {
			why = fmt.Sprintf("more than the tolerance's %s of the baseline: a change that size could hide", limit.Round(time.Millisecond))
		}
	}
	if why != "" {
		if row.Reason != "" {
			row.Reason += "; "
		}
		row.Verdict = Inconclusive
		row.Reason += fmt.Sprintf("the generator or the platform's timers were late by up to %s: %s", late.Round(time.Millisecond), why)
	}
}
