package scenario

import (
	"math"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// RateAt returns the planned request rate (requests per second) at t from
// the start of the run: Rate without a ramp; with one, along the stages from
// Rate, then the last stage's rate until Duration. It is 0 outside the run.
func (l *Traffic) RateAt(t time.Duration) float64 {
	if t < 0 || t >= l.Duration {
		return 0
	}
	for _, seg := range l.segments() {
		if t < seg.to {
			return seg.rateAt(t)
		}
	}
	return 0
}

// MeanSteps returns the mean number of requests one journey arrival sends,
// weighting journeys by their weights (0 when no journey has weight).
func (l *Traffic) MeanSteps() float64 {
	var sum, steps float64
	for _, j := range l.Journeys {
		if j.Weight > 0 {
			sum += j.Weight
			steps += j.Weight * float64(len(j.Steps))
		}
	}
	if sum == 0 {
		return 0
	}
	return steps / sum
}

// ArrivalRateAt returns the planned journey arrivals per second at t: the
// request rate divided by the mean number of requests per journey.
func (l *Traffic) ArrivalRateAt(t time.Duration) float64 {
	m := l.MeanSteps()
	if m == 0 {
		return 0
	}
	return l.RateAt(t) / m
}

// ExpectedRequests returns how many requests the plan sends in [from, to):
// the integral of RateAt, exact for the piecewise-linear plan.
func (l *Traffic) ExpectedRequests(from, to time.Duration) float64 {
	var n float64
	for _, seg := range l.segments() {
		a, b := max(from, seg.from), min(to, seg.to)
		if a < b {
			// Trapezoid: the rate is linear within a segment.
			n += (seg.rateAt(a) + seg.rateAt(b)) / 2 * (b - a).Seconds()
		}
	}
	return n
}

// segment is a stretch of the plan over which the rate is linear.
type segment struct {
	from, to   time.Duration
	rFrom, rTo float64
}

func (s segment) rateAt(t time.Duration) float64 {
	if s.to == s.from {
		return s.rFrom
	}
	return s.rFrom + (s.rTo-s.rFrom)*float64(t-s.from)/float64(s.to-s.from)
}

// segments returns the plan: each ramp stage from the previous rate (Rate for
// the first), then the last rate held until Duration, all cut at Duration.
func (l *Traffic) segments() []segment {
	var segs []segment
	var at time.Duration
	prev := l.Rate
	for _, st := range l.Ramp {
		if at >= l.Duration || st.Duration <= 0 {
			break
		}
		seg := segment{from: at, to: at + st.Duration, rFrom: prev, rTo: st.Rate}
		if seg.to > l.Duration {
			seg.rTo, seg.to = seg.rateAt(l.Duration), l.Duration
		}
		segs = append(segs, seg)
		at, prev = seg.to, st.Rate
	}
	if at < l.Duration {
		segs = append(segs, segment{from: at, to: l.Duration, rFrom: prev, rTo: prev})
	}
	return segs
}

// Window is a stretch of the run, from its start.
type Window struct{ From, To time.Duration }

// SteadyState returns the planned steady state by the evaluator's own rule
// (slo.SteadySpans): the run minus each fault's window from one request
// timeout before it to the recovery after it, in whole intervals of the
// results stream's grid, with the targets' defaults filled as the evaluator
// fills them. A fault is injected and healed never before its planned
// instant and always a little after it (the scheduler's wake-up, the
// injector's own call), so the plan places both instants faultLate after
// the schedule: a heal planned on an interval edge then costs the interval
// after it, as it does in every run.
func (s *Scenario) SteadyState() []Window {
	t := slo.FillDefaults(s.Targets())
	origin := time.Unix(0, 0).UTC()
	faults := make([]slo.Fault, 0, len(s.Faults))
	for _, f := range s.Faults {
		faults = append(faults, slo.Fault{Name: f.Name, Injected: origin.Add(f.At + faultLate), Healed: origin.Add(f.At + f.For + faultLate)})
	}
	run := slo.Window{Start: origin, End: origin.Add(s.Load.Duration)}
	spans := slo.SteadySpans(run, faults, t.Timeout.Std(), t.Recovery.Std(), results.DefaultInterval)
	out := make([]Window, 0, len(spans))
	for _, w := range spans {
		out = append(out, Window{From: w.Start.Sub(origin), To: w.End.Sub(origin)})
	}
	return out
}

// faultLate is how much later than planned the plan takes a fault's
// injection and heal to land: any positive amount below an interval gives
// the same whole intervals.
const faultLate = time.Millisecond

// SteadyStateRequests returns how many requests the plan sends in steady state.
func (s *Scenario) SteadyStateRequests() float64 {
	var n float64
	for _, w := range s.SteadyState() {
		n += s.Load.ExpectedRequests(w.From, w.To)
	}
	return n
}

// RequestsToDecide returns the fewest requests, all successful, for which
// the two-sided 95 % Wilson score interval of availability lies at or above
// target (a PASS judged on its lower side: a one-sided test at 97.5 %): with
// no failure the interval's lower bound is n/(n+z²), which reaches target when
// n >= z²·target/(1−target) (about 38,400 for 99.99 %).
func RequestsToDecide(target float64) int {
	if target <= 0 || target >= 1 {
		return 0
	}
	const z = 1.959963984540054 // the 97.5th percentile of the standard normal
	return int(math.Ceil(z * z * target / (1 - target)))
}
