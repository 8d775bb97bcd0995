package scenario

import (
	"math"
	"time"
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

// SteadyState returns the planned steady state: the run minus each fault's
// window, the recovery after it (DESIGN.md §2) and one request timeout before
// it (requests still in flight when the fault lands fail because of it, so
// internal/slo leaves them out too). The measured steady state comes from the
// fault events of a run; this is the plan, for sizing.
func (s *Scenario) SteadyState() []Window {
	out := []Window{{0, s.Load.Duration}}
	for _, f := range s.Faults {
		cutFrom, cutTo := max(f.At-s.Load.Timeout, 0), f.At+f.For+s.Objectives.Recovery
		var next []Window
		for _, w := range out {
			if cutTo <= w.From || cutFrom >= w.To {
				next = append(next, w)
				continue
			}
			if w.From < cutFrom {
				next = append(next, Window{w.From, cutFrom})
			}
			if cutTo < w.To {
				next = append(next, Window{cutTo, w.To})
			}
		}
		out = next
	}
	return out
}

// SteadyStateRequests returns how many requests the plan sends in steady state.
func (s *Scenario) SteadyStateRequests() float64 {
	var n float64
	for _, w := range s.SteadyState() {
		n += s.Load.ExpectedRequests(w.From, w.To)
	}
	return n
}

// RequestsToDecide returns the fewest requests, all successful, for which
// the 95 % Wilson score interval of availability lies at or above target: with
// no failure the interval's lower bound is n/(n+z²), which reaches target when
// n >= z²·target/(1−target) (about 38,400 for 99.99 %).
func RequestsToDecide(target float64) int {
	if target <= 0 || target >= 1 {
		return 0
	}
	const z = 1.959963984540054 // the 97.5th percentile of the standard normal
	return int(math.Ceil(z * z * target / (1 - target)))
}
