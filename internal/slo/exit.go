package slo

import (
	"strings"

	"github.com/slocheck/slocheck/results"
)

// ThresholdScope is the scope prefix of a k6 threshold's objective:
// "threshold:rate<0.01".
const ThresholdScope = "threshold:"

// thresholdObjectives makes each k6 threshold an objective that decides the
// run: named as its metric, scoped "threshold:<expr>", PASS or FAIL as k6
// judged it.
func thresholdObjectives(ts []results.Threshold) []Objective {
	out := make([]Objective, 0, len(ts))
	for _, t := range ts {
		o := Objective{Name: t.Metric, Scope: ThresholdScope + t.Expr, Verdict: Pass}
		if !t.Passed {
			o.Verdict, o.Reason = Fail, "k6 reported the threshold crossed"
		}
		out = append(out, o)
	}
	return out
}

// processExit is the process's real exit code (DESIGN.md §6 and the
// helpers' agreement): 130 when the run was interrupted; else 3 when the rig
// failed (the trailer's reason is an error, a heal failed, or an injection
// failed); else the verdict's code.
func (e *evaluation) processExit(verdictCode int) int {
	t := e.run.Trailer
	switch {
	case t != nil && t.Reason == "interrupted":
		return exitInterrupted
	case t != nil && strings.HasPrefix(t.Reason, "error:"), e.rigFailed():
		return exitRig
	}
	return verdictCode
}

// rigFailed reports a failed heal or a failed injection.
func (e *evaluation) rigFailed() bool {
	for _, f := range e.faults {
		if f.HealFailed {
			return true
		}
	}
	for _, ev := range e.run.Events {
		if ev.Kind == results.EventInjectFailed || ev.Kind == results.EventHealFailed {
			return true
		}
	}
	return false
}
