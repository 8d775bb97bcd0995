package slo

import "time"

// BudgetPeriod is the period an availability target's error budget is
// counted over (DESIGN.md §2).
const BudgetPeriod = 30 * 24 * time.Hour

// Series is a run's requests and failures per interval, all client regions
// together.
type Series struct {
	Start    time.Time     // start of the first interval
	Interval time.Duration // interval length
	Requests []uint64      // per interval
	Failed   []uint64      // per interval
}

// ErrorBudget is the failure time, in seconds, that an availability target
// allows over BudgetPeriod: (1 − target) × 30 days, 259.2 s at 99.99 %
// (Google SRE workbook, "Implementing SLOs": the error budget is 1 − SLO).
func ErrorBudget(target float64) float64 {
	return (1 - target) * BudgetPeriod.Seconds()
}

// BudgetBurn returns the failure-seconds spent in w: the failure ratio
// integrated over time, Σ failed/requests × interval length over the
// intervals that overlap w. Whole intervals are counted, not the overlapping
// part: failures cluster after an injection that falls mid-interval, and
// counting the whole interval can only add the few steady-state failures of
// two edge intervals, so the burn is never understated.
func BudgetBurn(s Series, w Window) float64 {
	if s.Interval <= 0 || !w.End.After(w.Start) {
		return 0
	}
	first := max(0, int(w.Start.Sub(s.Start)/s.Interval))
	last := min(len(s.Requests), int((w.End.Sub(s.Start)-1)/s.Interval)+1)
	var burn float64
	for i := first; i < last; i++ {
		if s.Requests[i] > 0 {
			burn += float64(s.Failed[i]) / float64(s.Requests[i])
		}
	}
	return burn * s.Interval.Seconds()
}

// BudgetVerdict is the verdict of "one fault spends at most target of the
// 30-day budget": PASS when share <= target, else FAIL.
func BudgetVerdict(share, target float64) Verdict {
	if share <= target {
		return Pass
	}
	return Fail
}
