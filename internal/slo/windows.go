package slo

import (
	"sort"
	"time"

	"github.com/slocheck/slocheck/results"
)

// Window is the half-open time span [Start, End).
type Window struct {
	Start, End time.Time
}

// Contains reports whether t lies in the window.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Covers reports whether all of [start, end) lies in the window.
func (w Window) Covers(start, end time.Time) bool { return !start.Before(w.Start) && !end.After(w.End) }

// Fault is one injected fault, paired from the stream's events by its name.
type Fault struct {
	Name, Injector, Target, Mode string
	Injected                     time.Time
	Healed                       time.Time // zero when never healed
	HealFailed                   bool      // a heal-failed event was recorded for it
}

// Active is the span during which the fault was in place: until its heal, or
// until end when it was never healed.
func (f Fault) Active(end time.Time) Window {
	if f.Healed.IsZero() {
		return Window{f.Injected, end}
	}
	return Window{f.Injected, f.Healed}
}

// Faults pairs fault-injected events with the next fault-healed or
// heal-failed event of the same fault name, in time order.
func Faults(events []results.Event) []Fault {
	var out []Fault
	open := map[string]int{} // fault name -> index in out still awaiting its heal
	for _, e := range sortedEvents(events) {
		i, ok := open[e.Fault]
		switch e.Kind {
		case results.EventFaultInjected:
			open[e.Fault] = len(out)
			out = append(out, Fault{Name: e.Fault, Injector: e.Injector, Target: e.Target, Mode: e.Mode, Injected: e.Time})
		case results.EventFaultHealed:
			if ok {
				out[i].Healed = e.Time
				delete(open, e.Fault)
			}
		case results.EventHealFailed:
			if ok {
				out[i].HealFailed = true
			}
		}
	}
	return out
}

func sortedEvents(events []results.Event) []results.Event {
	s := append([]results.Event(nil), events...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Time.Before(s[j].Time) })
	return s
}

// FaultWindows returns, for each fault, the span it affects steady state:
// [injected, healed + recovery), or [injected, end) when never healed.
func FaultWindows(faults []Fault, recovery time.Duration, end time.Time) []Window {
	out := make([]Window, 0, len(faults))
	for _, f := range faults {
		w := f.Active(end)
		if !f.Healed.IsZero() {
			w.End = w.End.Add(recovery)
		}
		out = append(out, w)
	}
	return out
}

// SteadyState returns the run span minus every fault window, as disjoint
// windows in time order (DESIGN.md §2: steady state is outside the fault
// windows and their recovery).
func SteadyState(run Window, faults []Window) []Window {
	fs := append([]Window(nil), faults...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].Start.Before(fs[j].Start) })
	var out []Window
	cur := run.Start
	for _, f := range fs {
		if f.Start.After(cur) {
			out = append(out, Window{cur, minTime(f.Start, run.End)})
		}
		if f.End.After(cur) {
			cur = f.End
		}
		if !cur.Before(run.End) {
			return out
		}
	}
	if cur.Before(run.End) {
		out = append(out, Window{cur, run.End})
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// SteadySpans is the one steady-state rule (DESIGN.md §2), as the
// evaluator counts it and the scenario planner sizes it: the run minus every
// fault's window [injected − timeout, healed + recovery) (to the run's end
// for a fault never healed), kept only in whole intervals of the grid from
// run.Start that lie wholly inside it, merged into spans in time order.
// Requests count in the interval of their intended start, and one intended
// up to a timeout before an injection can still be in flight when the fault
// lands and fail because of it; so each window opens one timeout early.
func SteadySpans(run Window, faults []Fault, timeout, recovery, interval time.Duration) []Window {
	ws := FaultWindows(faults, recovery, run.End)
	for i := range ws {
		ws[i].Start = ws[i].Start.Add(-timeout)
	}
	if interval <= 0 {
		interval = time.Second
	}
	var out []Window
	for _, w := range SteadyState(run, ws) {
		// Round inwards onto the grid: the first interval starting at or
		// after w.Start, the last ending at or before w.End.
		from := run.Start.Add(ceilDiv(w.Start.Sub(run.Start), interval) * interval)
		to := run.Start.Add(w.End.Sub(run.Start) / interval * interval)
		if from.Before(to) {
			out = append(out, Window{from, to})
		}
	}
	return out
}

// ceilDiv is ⌈d/q⌉ for d >= 0 and q > 0.
func ceilDiv(d, q time.Duration) time.Duration { return (d + q - 1) / q }
