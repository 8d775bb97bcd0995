package slo

import (
	"sort"
	"time"
)

// Traffic is what RTO needs of one client region's requests (or of all
// client regions together): the intended start of every failed request, and
// how many requests each interval held, so that a stretch without failures is
// only trusted where requests were due.
type Traffic struct {
	Start    time.Time     // start of the first interval
	Interval time.Duration // interval length
	Requests []uint64      // requests per interval, from Start on
	Failures []time.Time   // failed requests' intended starts (results.Failure.Intended), in time order
}

// RTOParams are the run's parameters ComputeRTO needs.
type RTOParams struct {
	End      time.Time     // the run's end: it bounds a fault never healed, and every stretch
	Window   time.Duration // the stability window: how long the all-success stretch must hold
	Recovery time.Duration // after the heal, failures still count as the fault's until heal + Recovery
}

// RTO is one fault's recovery time for one scope.
type RTO struct {
	Value     time.Duration // from injection to the start of the first all-success stretch; valid when Recovered
	Recovered bool          // false: "not recovered", no stretch began before the heal
	Confirmed bool          // the stretch held long enough before the heal, or no failure was seen at all
	Failed    int           // failed requests intended from the injection to the heal
}

// ComputeRTO computes a fault's RTO (DESIGN.md §2): the time from the
// injection to the intended start of the first stretch in which every
// request succeeds for the stability window, where the stretch begins before
// the heal (the run's end, when the fault was never healed). The rule:
//
//   - Failures are placed at their intended start, not their end: RTO asks
//     when a new request first succeeds again, so a blackholed request that
//     hangs until the client timeout does not add that timeout to it (the
//     end of the last failure is reported beside RTO, as the outage the
//     slowest user saw). Failures intended before the injection are ignored.
//   - A stretch begins at the injection or right after a failure, so the
//     resolution is the request spacing: RTO is the last failure's intended
//     start before the stretch; the first success follows within one spacing.
//     Failures in (s, e] break a stretch [s, e) (for s = injection, in [s, e]).
//   - A stretch lasts the window, but is cut at heal + Recovery (failures
//     later are not this fault's) and at the run's end; a stretch so cut must
//     still be at least two request spacings long, so that a request was due
//     in it (a fault shorter than the window is judged on the requests that
//     were due).
//   - Silence counts as failure only where requests were due: an interval
//     without requests breaks a stretch, which starts again where requests
//     resume, only when the scope's traffic before the injection averaged one
//     request per interval or more (both engines space arrivals evenly, so
//     such traffic leaves no interval empty). Sparser traffic is judged on
//     the requests it made. The request spacing is the interval length over
//     that average.
//   - A scope with no failure from the injection to heal + Recovery has RTO 0.
//
// Reading of "before the heal": the stretch must begin before the heal, but
// may run past it; failures after the heal inside it still break it, since
// users saw them. The price is that failures ending just before the heal may
// have been ended by the heal rather than by a failover: the recovery is
// Confirmed only when the stretch held, before the heal, the window or half
// the fault's length, whichever is shorter; else the verdict is INCONCLUSIVE
// rather than PASS (see RTOVerdict).
func ComputeRTO(f Fault, p RTOParams, tr Traffic) RTO {
	c := newRTOCase(f, p, tr)
	r := RTO{Failed: sort.Search(len(c.fails), func(i int) bool { return !c.fails[i].Before(c.heal) })}
	if len(c.fails) == 0 {
		return RTO{Recovered: true, Confirmed: true}
	}
	// Candidate starts: the injection, then right after each failure before
	// the heal.
	for j := -1; j < r.Failed; j++ {
		s, next := f.Injected, 0
		if j >= 0 {
			if j+1 < len(c.fails) && c.fails[j+1].Equal(c.fails[j]) {
				continue // the stretch starts after the last of equal instants
			}
			s, next = c.fails[j], j+1
		}
		if s, ok := c.holds(s, next); ok {
			r.Value, r.Recovered = s.Sub(f.Injected), true
			need := min(p.Window, c.heal.Sub(f.Injected)/2)
			r.Confirmed = s.Equal(f.Injected) || !s.Add(need).After(c.heal)
			return r
		}
	}
	return r
}

// rtoCase is one ComputeRTO call's state.
type rtoCase struct {
	tr        Traffic
	window    time.Duration
	heal, cut time.Time   // the heal, and where stretches are cut (heal + recovery, or the run's end)
	fails     []time.Time // intended starts of failures in [injection, cut)
	due       bool        // silence counts: the traffic before the injection left no interval empty
	spacing   time.Duration
	lastEmpty []int // lastEmpty[i]: the last silent interval <= i, or −1
}

func newRTOCase(f Fault, p RTOParams, tr Traffic) *rtoCase {
	c := &rtoCase{tr: tr, window: p.Window, heal: f.Active(p.End).End, cut: p.End}
	if !f.Healed.IsZero() {
		c.cut = minTime(f.Healed.Add(p.Recovery), p.End)
	}
	a := sort.Search(len(tr.Failures), func(i int) bool { return !tr.Failures[i].Before(f.Injected) })
	b := sort.Search(len(tr.Failures), func(i int) bool { return !tr.Failures[i].Before(c.cut) })
	c.fails = tr.Failures[a:max(a, b)]
	mean := tr.meanBefore(f.Injected)
	c.due = mean >= 1
	c.spacing = time.Duration(float64(tr.Interval) / max(mean, 1e-9))
	c.lastEmpty = make([]int, len(tr.Requests))
	prev := -1
	for i, n := range tr.Requests {
		if n == 0 {
			prev = i
		}
		c.lastEmpty[i] = prev
	}
	return c
}

// meanBefore is the mean requests per interval over the intervals that end
// by t, from the first with a request; over every interval when none does.
func (tr Traffic) meanBefore(t time.Time) float64 {
	if tr.Interval <= 0 || len(tr.Requests) == 0 {
		return 0
	}
	end := min(len(tr.Requests), max(0, int(t.Sub(tr.Start)/tr.Interval)))
	if end == 0 {
		end = len(tr.Requests)
	}
	first := 0
	for first < end && tr.Requests[first] == 0 {
		first++
	}
	if first == end {
		return 0
	}
	var n uint64
	for _, v := range tr.Requests[first:end] {
		n += v
	}
	return float64(n) / float64(end-first)
}

// holds reports whether a stretch beginning at s, or where requests resume
// after a silent interval inside it, holds without failure while requests
// were due; it returns the stretch's start. fails[next] is the first failure
// after s.
func (c *rtoCase) holds(s time.Time, next int) (time.Time, bool) {
	for s.Before(c.heal) {
		e := minTime(s.Add(c.window), c.cut)
		if next < len(c.fails) && !c.fails[next].After(e) {
			return s, false // a failure within the stretch breaks it
		}
		if e.Sub(s) < 2*c.spacing {
			return s, false // cut so short that no request was due in it
		}
		resume, silent := c.silent(s, e)
		if !silent {
			return s, true
		}
		s = resume // no failure before it: try again from where requests resume
	}
	return s, false
}

// silent reports whether some interval overlapping [from, to) had no
// requests although requests were due and, if so, where requests resume
// after the last such interval. Intervals beyond those recorded held no
// due requests (the run had ended).
func (c *rtoCase) silent(from, to time.Time) (time.Time, bool) {
	tr := c.tr
	if !c.due || tr.Interval <= 0 || len(tr.Requests) == 0 {
		return time.Time{}, false
	}
	a := max(0, int(from.Sub(tr.Start)/tr.Interval))
	b := min(len(tr.Requests)-1, int((to.Sub(tr.Start)-1)/tr.Interval)) // last interval overlapped
	if b < a {
		return time.Time{}, false
	}
	if e := c.lastEmpty[b]; e >= a {
		return tr.Start.Add(time.Duration(e+1) * tr.Interval), true
	}
	return time.Time{}, false
}

// RTOVerdict is the verdict of "RTO < target": FAIL when not recovered or
// when recovery took target or longer (users failed at least that long);
// PASS when a confirmed recovery took less; INCONCLUSIVE when the stretch
// that shows recovery held too briefly before the heal to tell the failover
// from the heal.
func RTOVerdict(r RTO, target time.Duration) Verdict {
	switch {
	case !r.Recovered || r.Value >= target:
		return Fail
	case r.Confirmed:
		return Pass
	default:
		return Inconclusive
	}
}
