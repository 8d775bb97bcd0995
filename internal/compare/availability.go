package compare

import (
	"math"
	"strings"

	"github.com/slocheck/slocheck/internal/slo"
)

// availabilityRow compares an availability objective by Newcombe's hybrid
// score interval for the difference of two proportions (Newcombe, Statistics
// in Medicine 17, 1998, method 10): with p̂ and Wilson bounds [l, u] per run,
//
//	d = p̂ᵣ − p̂_b
//	low  = d − √((p̂ᵣ − lᵣ)² + (u_b − p̂_b)²)
//	high = d + √((uᵣ − p̂ᵣ)² + (p̂_b − l_b)²)
//
// Unlike the Wald interval it does not collapse to a point when neither run
// failed: 0 failures in 2,000 requests still leave a fall of up to 0.19
// percentage points possible, so against a 100,000-request baseline the
// comparison is INCONCLUSIVE, as it should be.
func availabilityRow(row *Row, bo, ro *slo.Objective, tol float64) {
	row.ChangeUnit, row.Method = unitRatio, "Newcombe hybrid score interval (two proportions)"
	if bo.N == 0 || ro.N == 0 || bo.Value == nil || ro.Value == nil {
		row.Verdict, row.Reason = Inconclusive, "no requests in "+row.Scope+" on one side"
		return
	}
	pb, pr := *bo.Value, *ro.Value
	wb, wr := slo.Wilson(successes(pb, bo.N), bo.N, slo.Z95), slo.Wilson(successes(pr, ro.N), ro.N, slo.Z95)
	d := pr - pb
	judge(row, interval{
		change: d,
		lo:     d - math.Hypot(pr-wr.Low, wb.High-pb),
		hi:     d + math.Hypot(wr.High-pr, pb-wb.Low),
	}, tol, false)
	excuseLateAvailability(row, bo, ro)
}

// lateMarker is in the reason internal/slo gives an objective whose failures
// it put down to the generator's own lateness (slo.LateReason and the
// availability excuse).
const lateMarker = "generator was late"

// excuseLateAvailability makes an availability REGRESSED or IMPROVED
// INCONCLUSIVE when internal/slo found either run's failures caused by the
// generator's own lateness: the machine, not the target, differed.
func excuseLateAvailability(row *Row, bo, ro *slo.Objective) {
	if row.Verdict != Regressed && row.Verdict != Improved {
		return
	}
	for _, o := range []struct {
		obj   *slo.Objective
		which string
	}{{bo, "the baseline"}, {ro, "this run"}} {
		if strings.Contains(o.obj.Reason, lateMarker) {
			row.Verdict = Inconclusive
			row.Reason += "; but in " + o.which + " " + o.obj.Reason
			return
		}
	}
}

// successes recovers a count from its ratio over n (report.json keeps the
// ratio and n).
func successes(ratio float64, n uint64) uint64 {
	return uint64(math.Round(ratio * float64(n)))
}
