package slo

import (
	"fmt"
	"math"
	"time"

	"github.com/slocheck/slocheck/results"
)

// The thresholds of the generator-health rule (see the package doc).
const (
	// LateShareNote is the share of the latency target beyond which the
	// generator's lateness is worth a note, even where no verdict changed.
	LateShareNote = 0.10
	// BusyCPUNote is the machine CPU share beyond which a note warns that
	// the generator (and an in-process platform) may have been starved.
	BusyCPUNote = 0.90
)

// Lateness is the generator's own lateness over a run (DESIGN.md §2,
// generator health): the worst interval's send lag p99 plus the embedded
// platform's timer overshoot, and where it was.
type Lateness struct {
	Max    time.Duration // 0 when the run has no health records
	At     time.Time     // the worst interval's start
	Worst  results.Health
	Busy   float64   // the highest machine CPU share of an interval
	BusyAt time.Time // where it was
}

// GeneratorLateness reads the run's health records.
func GeneratorLateness(hs []results.Health) Lateness {
	var l Lateness
	for _, h := range hs {
		if d := h.SendLagP99.Std() + h.TimerOvershootMax.Std(); d > l.Max {
			l.Max, l.At, l.Worst = d, h.Start, h
		}
		if h.CPUMachine > l.Busy {
			l.Busy, l.BusyAt = h.CPUMachine, h.Start
		}
	}
	return l
}

// PlatformWaits is how many timed waits of the embedded platform a request
// passes (the WAN delay to the origin, the service time, the WAN delay
// back): each may fire as late as the interval's timer overshoot.
const PlatformWaits = 3

// requestLateness is how late the rig could have made one request of the
// health record's interval: its send lag p99 plus PlatformWaits times the
// platform's timer overshoot.
func requestLateness(h results.Health) time.Duration {
	return h.SendLagP99.Std() + PlatformWaits*h.TimerOvershootMax.Std()
}

// belowLate counts the scope's successful requests that would be within
// target had each been early by its interval's request lateness: those
// within target + that lateness. A quantile FAIL (its lower bound, the
// Ranks.Low-th latency, at or over target) would not fail so when at least
// Ranks.Low are; nor a latency-within FAIL whose share so counted no longer
// fails. It reads the intervals again (a third pass), only for a FAIL: an
// interval's count is its own (CountWithin adds up bucket by bucket).
func (e *evaluation) belowLate(g *group, target time.Duration) uint64 {
	var n uint64
	e.again(func(iv *results.Interval) error {
		if err := e.known(e.slot(iv.Start), iv); err != nil {
			return err
		}
		if iv.LatencyCount() > 0 && g.has(iv) {
			n += countWithin(iv, g.latency, target+e.health[e.slot(iv.Start)].reqLate)
		}
		return nil
	})
	return n
}

// reqLateMax is the worst interval's request lateness.
func (e *evaluation) reqLateMax() time.Duration {
	var m time.Duration
	for _, sh := range e.health {
		m = max(m, sh.reqLate)
	}
	return m
}

// LateReason is the reason of a latency verdict the generator's lateness
// made INCONCLUSIVE.
func LateReason(late time.Duration) string {
	return fmt.Sprintf("the generator was late by up to %s: its own lag, not the target's", ms(late))
}

// excusesQuantile reports whether lateness L could explain a quantile FAIL:
// the lower bound less L is no longer at or above the target.
func excusesQuantile(low, target, late time.Duration) bool {
	return late > 0 && low-late < target
}

// healthNotes are the notes on the generator's own state: lateness above
// LateShareNote of the latency target, a machine busier than BusyCPUNote.
func (e *evaluation) healthNotes() []string {
	var out []string
	l, target := e.late, e.targets.P99.Std()
	if float64(l.Max) > LateShareNote*float64(target) {
		out = append(out, fmt.Sprintf("generator health: late by up to %s in the interval at %.0f s (send lag p99 %s + platform timer overshoot %s), "+
			"more than %.0f %% of the %s latency target; a latency FAIL the lateness could explain is INCONCLUSIVE",
			ms(l.Max), l.At.Sub(e.start).Seconds(), ms(l.Worst.SendLagP99.Std()), ms(l.Worst.TimerOvershootMax.Std()),
			100*LateShareNote, ms(target)))
	}
	if n := e.lateNote(); n != "" {
		out = append(out, n)
	}
	if l.Busy > BusyCPUNote {
		out = append(out, fmt.Sprintf("generator health: the machine's CPU was %.0f %% busy in the interval at %.0f s: "+
			"the generator and an in-process platform may have been starved", 100*l.Busy, l.BusyAt.Sub(e.start).Seconds()))
	}
	return out
}

// ms formats a duration in milliseconds: three significant digits below
// 100 ms, whole milliseconds above.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if math.Abs(v) >= 100 {
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.3g ms", v)
}
