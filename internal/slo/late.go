package slo

import (
	"fmt"
	"time"

	"github.com/slocheck/slocheck/results"
)

// The thresholds of the generator-late rule (see the package doc,
// "Generator health").
const (
	// LateShareTimeout is the share of the request timeout at or above which
	// an interval's lateness (send lag p99 + the embedded platform's timer
	// overshoot) makes it generator-late: 200 ms for the 2 s default.
	LateShareTimeout = 0.10
	// BusyCPUDrops is the machine CPU share at or above which an interval
	// that dropped requests is generator-late: the generator could not keep
	// up because the machine could not give it the CPU.
	BusyCPUDrops = 0.90
)

// slotHealth is one interval's generator health, every generator together.
type slotHealth struct {
	late    time.Duration // the worst send lag p99 + timer overshoot
	reqLate time.Duration // the worst request lateness (requestLateness)
	cpu     float64       // the highest machine CPU share
	genLate bool          // generator-late (markLate)
}

// readHealth reads the health records into e.health, one per slot.
func (e *evaluation) readHealth() {
	e.health = make([]slotHealth, e.slots)
	for _, h := range e.run.Health {
		if s := e.slot(h.Start); s < e.slots {
			sh := &e.health[s]
			sh.late = max(sh.late, h.SendLagP99.Std()+h.TimerOvershootMax.Std())
			sh.reqLate = max(sh.reqLate, requestLateness(h))
			sh.cpu = max(sh.cpu, h.CPUMachine)
		}
	}
}

// markLate marks the generator-late slots. It runs after the intervals are
// read: the drop rule needs each slot's drops.
func (e *evaluation) markLate() {
	limit := e.lateLimit()
	for s := range e.health {
		sh := &e.health[s]
		sh.genLate = sh.late >= limit || (e.dropsIn[s] > 0 && sh.cpu >= BusyCPUDrops)
	}
}

// lateLimit is the lateness that makes an interval generator-late.
func (e *evaluation) lateLimit() time.Duration {
	return time.Duration(LateShareTimeout * float64(e.targets.Timeout.Std()))
}

// ownLagKind reports whether a failure is of a kind a late generator (or a
// starved in-process platform) causes itself: a timeout, an answer slower
// than the timeout, a drop. 5xx, refused, reset, 4xx and other failures are
// the target's, whatever the generator's state.
func ownLagKind(f *results.Failure) bool {
	return f.Err == results.ErrTimeout || f.Err == results.ErrDropped || f.Err == results.ErrNone
}

// ownLagCount is an interval's failures of the kinds ownLagKind names.
func ownLagCount(iv *results.Interval) uint64 {
	return iv.Counts[results.ErrTimeout] + iv.Counts[results.ErrDropped] + min(iv.TooSlow, iv.Counts[results.ErrNone])
}

// excuse is what the generator's lateness excuses in a set of intervals:
// the failures of the ownLagKind kinds in its generator-late intervals.
type excuse struct {
	n, of uint64        // excused failures, of every failure in the set
	late  time.Duration // the worst lateness of the set's generator-late intervals
	cpu   float64       // their highest machine CPU share
}

// excuseIn sums the excuse over the slots that in selects.
func (e *evaluation) excuseIn(in func(slot int) bool) excuse {
	var x excuse
	for s := 0; s < e.slots; s++ {
		if !in(s) {
			continue
		}
		x.of += e.series.Failed[s]
		if sh := e.health[s]; sh.genLate {
			x.n += e.ownLag[""][s]
			x.late, x.cpu = max(x.late, sh.late), max(x.cpu, sh.cpu)
		}
	}
	return x
}

// reason is the reason of a verdict the excuse made INCONCLUSIVE.
func (x excuse) reason() string {
	return fmt.Sprintf("%s of %s failures were timeouts, too-slow answers or drops in intervals where the generator was late "+
		"by up to %s (machine CPU %.0f %% busy): its own lag, not the target's", thousands(x.n), thousands(x.of), ms(x.late), 100*x.cpu)
}

// overlapping selects the slots overlapping w.
func (e *evaluation) overlapping(w Window) func(int) bool {
	return func(s int) bool {
		from := e.start.Add(time.Duration(s) * e.interval)
		return from.Before(w.End) && from.Add(e.interval).After(w.Start)
	}
}

// excusedSeries is e.series less the excused failures of generator-late
// intervals.
func (e *evaluation) excusedSeries() Series {
	s := e.series
	s.Failed = append([]uint64(nil), s.Failed...)
	for i := range s.Failed {
		if e.health[i].genLate {
			s.Failed[i] -= min(s.Failed[i], e.ownLag[""][i])
		}
	}
	return s
}

// excusedTraffic is the traffic of all client regions together less the
// excused failures of generator-late intervals (computed once).
func (e *evaluation) excusedTraffic() Traffic {
	if e.excused == nil {
		counted := map[string][]uint64{}
		for r, per := range e.failedIn {
			counted[r] = append([]uint64(nil), per...)
			for s := range counted[r] {
				if e.health[s].genLate {
					counted[r][s] -= min(counted[r][s], e.ownLag[r][s])
				}
			}
		}
		keep := func(f *results.Failure) bool {
			s := e.slot(intendedOf(f))
			return !ownLagKind(f) || s >= e.slots || !e.health[s].genLate
		}
		tr := *e.traffic[""]
		tr.Failures = e.failureStarts(keep, counted)[""]
		e.excused = &tr
	}
	return *e.excused
}

// lateNote names the generator-late intervals and the worst of them; "" when
// none was.
func (e *evaluation) lateNote() string {
	n, worst := 0, -1
	for s, sh := range e.health {
		if sh.genLate {
			n++
			if worst < 0 || sh.late > e.health[worst].late {
				worst = s
			}
		}
	}
	if n == 0 {
		return ""
	}
	w := e.health[worst]
	return fmt.Sprintf("generator health: %d of %d intervals were generator-late (lateness at or above %s, %.0f %% of the %s timeout, "+
		"or drops while the machine CPU was at least %.0f %% busy); the worst, at %.0f s, late by %s with the machine CPU %.0f %% busy. "+
		"Their timeouts, too-slow answers and drops cannot make availability, RTO or budget FAIL",
		n, e.slots, ms(e.lateLimit()), 100*LateShareTimeout, ms(e.targets.Timeout.Std()), 100*BusyCPUDrops,
		(time.Duration(worst) * e.interval).Seconds(), ms(w.late), 100*w.cpu)
}
