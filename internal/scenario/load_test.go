package scenario

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

func TestRateAt(t *testing.T) {
	l := Traffic{Rate: 100, Duration: 60 * time.Second, Ramp: []Stage{
		{Duration: 10 * time.Second, Rate: 200}, // 100 -> 200
		{Duration: 10 * time.Second, Rate: 200}, // hold
		{Duration: 20 * time.Second, Rate: 0},   // 200 -> 0
	}}
	cases := []struct {
		at   time.Duration
		want float64
	}{
		{-time.Second, 0}, {0, 100}, {5 * time.Second, 150}, {10 * time.Second, 200}, {15 * time.Second, 200},
		{30 * time.Second, 100}, {40 * time.Second, 0}, {50 * time.Second, 0}, {60 * time.Second, 0},
	}
	for _, c := range cases {
		if got := l.RateAt(c.at); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("RateAt(%s) = %g, want %g", c.at, got, c.want)
		}
	}
	l.Ramp = l.Ramp[:1] // after the ramp, its last rate holds
	if got := l.RateAt(50 * time.Second); got != 200 {
		t.Errorf("after the ramp: %g, want 200", got)
	}
}

// TestExpectedRequestsIntegrates compares the exact integral with a
// midpoint sum of RateAt over 1 ms steps.
func TestExpectedRequestsIntegrates(t *testing.T) {
	l := Traffic{Rate: 50, Duration: 45 * time.Second, Ramp: []Stage{
		{Duration: 7 * time.Second, Rate: 300}, {Duration: 13 * time.Second, Rate: 120}, {Duration: 40 * time.Second, Rate: 500},
	}}
	for _, w := range []Window{{0, 45 * time.Second}, {3 * time.Second, 30 * time.Second}, {40 * time.Second, 90 * time.Second}} {
		var sum float64
		const step = time.Millisecond
		for at := w.From; at < w.To; at += step {
			sum += l.RateAt(at+step/2) * step.Seconds()
		}
		if got := l.ExpectedRequests(w.From, w.To); math.Abs(got-sum) > 1e-6*sum+1e-9 {
			t.Errorf("ExpectedRequests(%s) = %f, midpoint sum %f", w, got, sum)
		}
	}
}

func TestMeanSteps(t *testing.T) {
	l := Traffic{Rate: 1000, Duration: time.Minute, Journeys: []Journey{
		{Weight: 3, Steps: []string{StepBrowse, StepProduct, StepCart, StepCheckout}},
		{Weight: 1, Steps: []string{StepBrowse}},
		{Weight: 0, Steps: []string{StepBrowse, StepBrowse, StepBrowse}},
	}}
	// (3·4 + 1·1) / 4 = 3.25 requests per arrival.
	if got := l.MeanSteps(); got != 3.25 {
		t.Errorf("MeanSteps = %g, want 3.25", got)
	}
	if got := l.ArrivalRateAt(time.Second); math.Abs(got-1000/3.25) > 1e-9 {
		t.Errorf("ArrivalRateAt = %g, want %g", got, 1000/3.25)
	}
}

func TestSteadyState(t *testing.T) {
	s := &Scenario{Load: Traffic{Rate: 10, Duration: 100 * time.Second}, Objectives: Objectives{Recovery: 5 * time.Second},
		Faults: []Fault{{At: 10 * time.Second, For: 10 * time.Second}, {At: 22 * time.Second, For: 8 * time.Second}, {At: 90 * time.Second, For: 10 * time.Second}}}
	// The timeout is unset: the evaluator's default, 2 s, opens each window
	// early. The last heal before it lands just after 30 s, so its recovery
	// ends just after 35 s: steady state resumes at the next whole interval.
	want := []Window{{0, 8 * time.Second}, {36 * time.Second, 88 * time.Second}}
	if got := s.SteadyState(); !reflect.DeepEqual(got, want) {
		t.Errorf("SteadyState = %v, want %v", got, want)
	}
	if got := s.SteadyStateRequests(); got != 600 {
		t.Errorf("SteadyStateRequests = %g, want 10/s × 60 s = 600", got)
	}
}

// TestRequestsToDecide checks the Wilson bound directly: with n successes
// out of n, the 95 % lower bound n/(n+z²) reaches the target at n and not at
// n−1.
func TestRequestsToDecide(t *testing.T) {
	const z2 = 1.959963984540054 * 1.959963984540054
	for _, target := range []float64{0.99, 0.999, 0.9999, 0.99999} {
		n := float64(RequestsToDecide(target))
		if lo := n / (n + z2); lo < target {
			t.Errorf("target %g: n=%g gives lower bound %g < target", target, n, lo)
		}
		if lo := (n - 1) / (n - 1 + z2); lo >= target {
			t.Errorf("target %g: n−1=%g already decides (%g)", target, n-1, lo)
		}
	}
	if RequestsToDecide(1) != 0 || RequestsToDecide(0) != 0 {
		t.Error("targets outside (0,1) need no requests")
	}
}

// TestSteadyStatePlannedAsEvaluated plans a run whose fault instants fall
// between interval edges, builds the run the plan describes (requests evenly
// spaced, the fault injected and healed exactly on time) and evaluates it:
// the evaluator counts exactly the steady-state requests the planner sized.
func TestSteadyStatePlannedAsEvaluated(t *testing.T) {
	s := &Scenario{Load: Traffic{Rate: 200, Duration: 60 * time.Second, Timeout: 1500 * time.Millisecond},
		Objectives: Objectives{Recovery: 3 * time.Second},
		Faults:     []Fault{{Name: "f", At: 20300 * time.Millisecond, For: 7450 * time.Millisecond}}}
	// [0, 18.8) and [30.75, 60) in whole seconds: [0, 18) and [31, 60), 47 s.
	if got := s.SteadyStateRequests(); got != 200*47 {
		t.Errorf("planned %g steady requests, want 200 × 47 s = 9400", got)
	}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	run := &results.Run{Header: results.Header{Started: t0, Interval: results.Duration(time.Second), ClientRegions: []string{"eu"},
		Steps: []string{"request"}, Targets: s.Targets()}}
	for sec := range 60 {
		iv := results.Interval{Start: t0.Add(time.Duration(sec) * time.Second), ClientRegion: "eu", Step: "request",
			Packed: results.NewPackedLatencyHistogram()}
		iv.Counts[results.ErrNone] = 200
		for range 200 {
			_ = iv.Packed.RecordValue(20_000)
		}
		run.Intervals = append(run.Intervals, iv)
	}
	f := s.Faults[0]
	run.Events = []results.Event{{Time: t0.Add(f.At), Kind: results.EventFaultInjected, Fault: "f"},
		{Time: t0.Add(f.At + f.For), Kind: results.EventFaultHealed, Fault: "f"}}
	run.Trailer = &results.Trailer{Ended: t0.Add(s.Load.Duration), Reason: "completed"}
	found := false
	for _, o := range slo.Evaluate(run, slo.Options{}).Objectives {
		if o.Name == "availability" && o.Scope == "steady-state" {
			found = true
			if float64(o.N) != s.SteadyStateRequests() {
				t.Errorf("evaluated %d steady requests, planned %g", o.N, s.SteadyStateRequests())
			}
		}
	}
	if !found {
		t.Error("no steady-state availability objective")
	}
}
