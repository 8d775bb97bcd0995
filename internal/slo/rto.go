package slo

import (
	"sort"
	"time"
)

// Traffic is what RTO needs of one client region's requests (or of all
// client regions together): the instant of every failed request, and which
// intervals had requests at all, so that a stretch without failures is only
// trusted where requests were actually made.
type Traffic struct {
	Start    time.Time     // start of the first interval
	Interval time.Duration // interval length
	Requests []uint64      // requests per interval, from Start on
	Failures []time.Time   // failed requests' instants (results.Failure.Time), in time order
}

// RTO is one fault's recovery time for one scope.
type RTO struct {
	Value     time.Duration // from injection to the start of the first all-success stretch; valid when Recovered
	Recovered bool          // false: "not recovered", no stretch began before the heal
	Confirmed bool          // the stretch ended by the heal, or no failure was seen at all
	Failed    int           // failed requests from injection to the heal
}

// ComputeRTO computes a fault's RTO (DESIGN.md §2) from the users' failures:
// the time from injection to the start of the first stretch of length window
// in which no request fails, where the stretch begins before the heal (the
// run's end, when the fault was never healed).
//
// A stretch begins at the injection or right after a failure, so the
// resolution is the request spacing: failures in (s, s+window] break a
// stretch starting at s (for s = injection, failures in [s, s+window]).
// Failures before the injection are ignored. Failure instants are when users
// saw the failure (for a timeout, send + timeout), so a blackhole's RTO runs
// until its last hanging request has failed. Silence is not success: a
// stretch counts only where every interval it overlaps had requests, and
// after a silent interval it starts again where requests resume.
//
// Reading of "before the heal": the stretch must begin before the heal, but
// may run past it; failures after the heal inside it still break it, since
// users saw them. Requiring the whole stretch to end before the heal would
// report "not recovered" for every fault shorter than RTO + window even after
// a fast failover. The price is that failures ending just before the heal may
// have been ended by the heal rather than by a failover; Confirmed is false
// then (the stretch ran past the heal), and the verdict is INCONCLUSIVE
// rather than PASS (see RTOVerdict).
func ComputeRTO(f Fault, end time.Time, window time.Duration, tr Traffic) RTO {
	heal := f.Active(end).End
	fails := tr.Failures
	first := sort.Search(len(fails), func(i int) bool { return !fails[i].Before(f.Injected) })
	fails = fails[first:]
	stop := sort.Search(len(fails), func(i int) bool { return !fails[i].Before(heal) })
	r := RTO{Failed: stop}
	gaps := tr.gaps()
	// Candidate starts: the injection, then right after each failure before
	// the heal.
	for j := -1; j < stop; j++ {
		s, next := f.Injected, 0
		if j >= 0 {
			if j+1 < len(fails) && fails[j+1].Equal(fails[j]) {
				continue // the stretch starts after the last of equal instants
			}
			s, next = fails[j], j+1
		}
		if s, ok := holds(s, window, heal, gaps, fails, next); ok {
			r.Value, r.Recovered = s.Sub(f.Injected), true
			r.Confirmed = s.Equal(f.Injected) || !s.Add(window).After(heal)
			return r
		}
	}
	return r
}

// holds reports whether a stretch beginning at s, or where requests resume
// after a silent interval inside it, lasts window without failure while
// requests are made; it returns the stretch's start. fails[next] is the
// first failure after s.
func holds(s time.Time, window time.Duration, heal time.Time, gaps func(from, to time.Time) (time.Time, bool), fails []time.Time, next int) (time.Time, bool) {
	for s.Before(heal) {
		if next < len(fails) && !fails[next].After(s.Add(window)) {
			return s, false // a failure within the window breaks this stretch
		}
		resume, silent := gaps(s, s.Add(window))
		if !silent {
			return s, true
		}
		if !resume.After(s) {
			return s, false // the recorded intervals end inside the window
		}
		s = resume // no failure before it: try again from where requests resume
	}
	return s, false
}

// gaps returns a test of whether some interval overlapping [from, to) had no
// requests (or lies beyond the intervals recorded) and, if so, where requests
// resume after the last such interval (zero when they never do).
func (tr Traffic) gaps() func(from, to time.Time) (resume time.Time, silent bool) {
	lastEmpty := make([]int, len(tr.Requests)) // lastEmpty[i]: the last silent interval <= i, or −1
	prev := -1
	for i, n := range tr.Requests {
		if n == 0 {
			prev = i
		}
		lastEmpty[i] = prev
	}
	return func(from, to time.Time) (time.Time, bool) {
		if tr.Interval <= 0 || from.Before(tr.Start) {
			return time.Time{}, true
		}
		a := int(from.Sub(tr.Start) / tr.Interval)
		b := int((to.Sub(tr.Start) - 1) / tr.Interval) // last interval overlapped
		if b >= len(tr.Requests) {
			return time.Time{}, true
		}
		if e := lastEmpty[b]; e >= a {
			return tr.Start.Add(time.Duration(e+1) * tr.Interval), true
		}
		return time.Time{}, false
	}
}

// RTOVerdict is the verdict of "RTO < target": FAIL when not recovered or
// when recovery took target or longer (users failed at least that long);
// PASS when a confirmed recovery took less; INCONCLUSIVE when the stretch
// that shows recovery ran past the heal.
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
