package compare

import (
	"math"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// faultRow compares an RTO, RPO or budget objective (per fault, or the
// worst fault's as "overall") at the resolution of each side's measurement:
// the true figure lies within one resolution below the measured one (an RTO
// is the intended start of a request; the true recovery came after the
// previous request of the sparsest client region), so the difference lies
// in [Δ − resᵣ, Δ + res_b].
func faultRow(row *Row, base, run Side, tol Tolerances) {
	row.Method = "difference at the measurement's resolution"
	t := tol.RTO.Seconds()
	row.ChangeUnit = unitSeconds
	resolution := requestSpacing
	switch row.Name {
	case "rpo":
		t, resolution = tol.RPO.Seconds(), writeSpacing
	case "budget":
		t, resolution, row.ChangeUnit = tol.Budget, budgetResolution, unitShare
	}
	if missing(row) {
		return
	}
	d := *row.Run - *row.Baseline
	judge(row, interval{change: d, lo: d - resolution(run, row.Scope), hi: d + resolution(base, row.Scope)}, t, true)
}

// missing judges a row one of whose figures has none ("not recovered",
// RPO not decided): a run that did not recover is worse than any that did.
func missing(row *Row) bool {
	what := "no value"
	if row.Name == "rto" {
		what = "not recovered"
	}
	switch {
	case row.Baseline != nil && row.Run != nil:
		return false
	case row.Baseline == nil && row.Run == nil:
		row.Verdict, row.Reason = Inconclusive, what+" in either run"
	case row.Run == nil:
		row.Verdict, row.Reason = Regressed, what+" in this run; the baseline had "+formatValue(*row.Baseline, row.Unit)
	default:
		row.Verdict, row.Reason = Improved, what+" in the baseline; this run has "+formatValue(*row.Run, row.Unit)
	}
	return true
}

// requestSpacing is the side's coarsest request spacing: run duration over
// the requests of its sparsest client region, in seconds.
func requestSpacing(s Side, _ string) float64 {
	r := s.Report
	n := r.Requests
	for _, rs := range r.Regions {
		if rs.Requests > 0 {
			n = min(n, rs.Requests)
		}
	}
	if n == 0 {
		return r.DurationS
	}
	return r.DurationS / float64(n)
}

// writeSpacing is the spacing of the faulted region's acknowledged writes
// over the read-back window (the worst fault's for "overall").
func writeSpacing(s Side, scope string) float64 {
	lookback := slo.DefaultReadbackLookback
	if s.Run != nil && s.Run.Header.Targets.ReadbackLookback > 0 {
		lookback = s.Run.Header.Targets.ReadbackLookback.Std()
	}
	var worst float64
	for i := range s.Report.Faults {
		f := &s.Report.Faults[i]
		if scope != "overall" && scope != "fault:"+f.Name {
			continue
		}
		end := f.Injected
		if f.Healed != nil {
			end = *f.Healed
		}
		from := f.Injected.Add(-lookback)
		if from.Before(s.Report.Started) {
			from = s.Report.Started
		}
		window := end.Sub(from).Seconds()
		worst = math.Max(worst, window/float64(max(f.AckedWrites, 1)))
	}
	return worst
}

// budgetResolution is one request spacing of full failure as a share of the
// 30-day error budget.
func budgetResolution(s Side, scope string) float64 {
	target := results.DefaultTargets().Availability
	if s.Run != nil {
		target = slo.FillDefaults(s.Run.Header.Targets).Availability
	}
	budget := (1 - target) * (30 * 24 * time.Hour).Seconds()
	return requestSpacing(s, scope) / budget
}

// formatValue formats a figure in its unit ("4.20 s", "99.9900 %").
func formatValue(v float64, unit string) string {
	switch unit {
	case "s":
		return strings.TrimPrefix(signed(v, unitSeconds), "+")
	case "ratio":
		return strings.TrimPrefix(signed(v*100, ""), "+") + " %"
	case "share":
		return strings.TrimPrefix(signed(v*100, ""), "+") + " % of the budget"
	}
	return strings.TrimPrefix(signed(v, ""), "+")
}
