package slo

import (
	"math"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// spaced builds a run of seconds 1-second intervals in which each client
// region sends one request every spacing[region] seconds from 0 (one step,
// "request"); outcome decides each, as synth's does.
func spaced(seconds int, spacing map[string]float64, outcome func(region string, sent time.Time) (results.ErrorKind, time.Time)) *results.Run {
	var regions []string
	for r := range spacing {
		regions = append(regions, r)
	}
	run := &results.Run{Header: results.Header{Scenario: "spaced", Engine: "go", Target: "embedded", Started: t0,
		Interval: results.Duration(time.Second), ClientRegions: regions, Steps: []string{"request"}, Targets: results.DefaultTargets()}}
	for sec := 0; sec < seconds; sec++ {
		for _, r := range regions {
			iv := results.Interval{Start: at(float64(sec)), ClientRegion: r, Step: "request", Packed: results.NewPackedLatencyHistogram()}
			for k := math.Ceil(float64(sec) / spacing[r]); k*spacing[r] < float64(sec+1)-1e-9; k++ {
				sent := at(k * spacing[r])
				kind, end := outcome(r, sent)
				iv.Counts[kind]++
				if kind.Failed() {
					run.Failures = append(run.Failures, results.Failure{Time: end, Intended: sent, ClientRegion: r, Step: "request", Err: kind})
					continue
				}
				_ = iv.Packed.RecordValue(results.LatencyValue(end.Sub(sent)))
			}
			run.Intervals = append(run.Intervals, iv)
		}
	}
	run.Trailer = &results.Trailer{Ended: at(float64(seconds)), Reason: "completed"}
	return run
}

func withFault(run *results.Run, inject, heal float64) *results.Run {
	run.Events = append(run.Events,
		results.Event{Time: at(inject), Kind: results.EventFaultInjected, Fault: "backend-kill", Target: "eastus", Mode: "blackhole"},
		results.Event{Time: at(heal), Kind: results.EventFaultHealed, Fault: "backend-kill", Target: "eastus", Mode: "blackhole"})
	return run
}

// TestRTOFromIntendedStarts is the HAProxy case of issue 11: the front door
// drops the killed backend 4.49 s after the kill; requests sent before that
// hang until the 2 s client timeout. RTO is when a new request first
// succeeds again, 4.49 s within the 10 ms request spacing, not 6.49 s; the
// last failure ended at detection plus the timeout.
func TestRTOFromIntendedStarts(t *testing.T) {
	kill, detected := 20.0, 24.49
	run := withFault(spaced(60, map[string]float64{"eu": 0.01}, func(_ string, sent time.Time) (results.ErrorKind, time.Time) {
		if !sent.Before(at(kill)) && sent.Before(at(detected)) {
			return results.ErrTimeout, sent.Add(2 * time.Second)
		}
		return results.ErrNone, sent.Add(20 * time.Millisecond)
	}), kill, 40)
	r := Evaluate(run, Options{})
	f := r.Faults[0]
	if got := deref(f.RTOS.Overall); f.RTOS.Overall == nil || *f.RTOS.Overall < 4.49-0.01 || *f.RTOS.Overall > 4.49 {
		t.Errorf("RTO %v s, want 4.49 s within the 0.01 s request spacing (not 6.49)", got)
	}
	if f.LastFailure == nil || f.LastFailure.Sub(at(detected+2)).Abs() > 10*time.Millisecond {
		t.Errorf("last failure ended %v, want detection + timeout = %v", f.LastFailure, at(detected+2))
	}
	if o := objective(t, r, "rto", "fault:backend-kill"); o.Verdict != Pass {
		t.Errorf("rto: %+v", o)
	}
}

// TestRTOSparseRegion: a client region sending one request every 2.5 s
// (under one per interval) that saw no failure has RTO 0 and passes; so does
// one whose only failure was at the injection.
func TestRTOSparseRegion(t *testing.T) {
	run := withFault(spaced(60, map[string]float64{"eastus": 0.01, "sparse": 2.5, "sparse-failed": 2.5},
		func(r string, sent time.Time) (results.ErrorKind, time.Time) {
			failing := !sent.Before(at(20)) && sent.Before(at(23))
			if (r == "eastus" && failing) || (r == "sparse-failed" && sent.Equal(at(20))) {
				return results.ErrRefused, sent.Add(time.Millisecond)
			}
			return results.ErrNone, sent.Add(20 * time.Millisecond)
		}), 20, 40)
	r := Evaluate(run, Options{})
	f := r.Faults[0]
	near(t, "RTO sparse", f.RTOS.ByClientRegion["sparse"], 0, 0)
	near(t, "RTO sparse-failed", f.RTOS.ByClientRegion["sparse-failed"], 0, 0)
	near(t, "RTO eastus", f.RTOS.ByClientRegion["eastus"], 2.99, 1e-6)
	if o := objective(t, r, "rto", "overall"); o.Verdict != Pass {
		t.Errorf("rto overall: %+v", o)
	}
}

// TestRTOCappedFailureRecords: an interval that counted more failures than
// the stream kept records of is taken as failing to its end.
func TestRTOCappedFailureRecords(t *testing.T) {
	run := withFault(spaced(60, map[string]float64{"eu": 0.01}, func(_ string, sent time.Time) (results.ErrorKind, time.Time) {
		if !sent.Before(at(20)) && sent.Before(at(23)) {
			return results.ErrRefused, sent.Add(time.Millisecond)
		}
		return results.ErrNone, sent.Add(20 * time.Millisecond)
	}), 20, 40)
	// Keep only the first half of each second's failure records, as a cap would.
	var kept []results.Failure
	for _, f := range run.Failures {
		if f.Intended.Sub(t0)%time.Second < 500*time.Millisecond {
			kept = append(kept, f)
		}
	}
	run.Failures = kept
	r := Evaluate(run, Options{})
	near(t, "RTO", r.Faults[0].RTOS.Overall, 3-1e-9, 1e-9)
}
