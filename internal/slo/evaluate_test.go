package slo

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/results"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// failover is a 1,000 req/s run (2 client regions × 2 steps × 250 req/s) of
// seconds s, with eastus-down injected at 30 s and healed at 50 s: eastus's
// users are refused until failUntil, westeurope's never fail.
func failover(seconds int, failUntil float64, latency func(i int) time.Duration) *results.Run {
	s := synth{seconds: seconds, regions: []string{"eastus", "westeurope"}, steps: []string{"browse", "checkout"}, perStep: 250,
		outcome: func(region, _ string, sent time.Time, i int) (results.ErrorKind, time.Time, time.Duration) {
			if region == "eastus" && !sent.Before(at(30)) && sent.Before(at(failUntil)) {
				return results.ErrRefused, sent.Add(100 * time.Microsecond), 0
			}
			return results.ErrNone, sent.Add(latency(i)), latency(i)
		}}
	run := s.run()
	run.Events = []results.Event{
		{Time: at(30), Kind: results.EventFaultInjected, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
		{Time: at(50), Kind: results.EventFaultHealed, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
	}
	// Ten orders acknowledged by eastus in the last second before the fault:
	// the one at 29.65 s is lost, the one at 29.8 s comes back after the heal.
	for k := 0; k < 10; k++ {
		id := "order-" + string(rune('a'+k))
		acked := at(29 + float64(k)/10 + 0.05)
		run.Writes = append(run.Writes, results.AckedWrite{ID: id, Region: "eastus", ClientRegion: "eastus", Acked: acked})
		found := k != 6 && k != 7
		run.Readbacks = append(run.Readbacks, results.Readback{ID: id, Region: "westeurope", Time: at(31), Found: found, Phase: PhaseAfterFault, Fault: "eastus-down"})
		if !found {
			run.Readbacks = append(run.Readbacks, results.Readback{ID: id, Region: "westeurope", Time: at(51), Found: k == 7, Phase: PhaseAfterHeal, Fault: "eastus-down"})
		}
	}
	run.Trailer = &results.Trailer{Ended: at(float64(seconds)), Reason: "completed", Requests: uint64(seconds) * 1000}
	return run
}

func objective(t *testing.T, r Report, name, scope string) Objective {
	t.Helper()
	for _, o := range r.Objectives {
		if o.Name == name && o.Scope == scope {
			return o
		}
	}
	t.Fatalf("no objective %s %s in %+v", name, scope, r.Objectives)
	return Objective{}
}

func near(t *testing.T, what string, got *float64, want, tol float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > tol {
		t.Errorf("%s = %v, want %v ± %v", what, deref(got), want, tol)
	}
}

func deref(p *float64) any {
	if p == nil {
		return "nil"
	}
	return *p
}

// TestEvaluateFailover checks the figures of a known run against what its
// construction implies, then the whole report.json against a golden file.
func TestEvaluateFailover(t *testing.T) {
	r := Evaluate(failover(90, 33.5, latencyOf), Options{})
	// 3.5 s × 500 req/s of eastus's traffic refused.
	if r.Requests != 90_000 || r.Failures != 1750 || r.Successes != 88_250 || r.Dropped != 0 || !r.Complete {
		t.Errorf("totals %d/%d/%d/%d complete=%v", r.Requests, r.Successes, r.Failures, r.Dropped, r.Complete)
	}
	// Latencies are uniform on 20.0…69.9 ms in 0.1 ms steps: p99 = 69.4 ms.
	p99 := objective(t, r, "p99", "overall")
	near(t, "p99", p99.Value, 0.0694, 0.0694*0.001)
	if p99.Verdict != Pass || p99.N != 88_250 || *p99.CILow > *p99.Value || *p99.CIHigh < *p99.Value {
		t.Errorf("p99: %+v", p99)
	}
	// Steady state: [0, 28) (the fault at 30 s less one 2 s timeout) and
	// [55, 90) (heal + 5 s recovery), 63 s, no failure.
	av := objective(t, r, "availability", "steady-state")
	if av.N != 63_000 || av.Verdict != Pass || *av.Value != 1 {
		t.Errorf("steady-state availability: %+v", av)
	}
	whole := objective(t, r, "availability", "whole-run")
	near(t, "whole-run availability", whole.Value, 88_250.0/90_000, 1e-12)
	if whole.Verdict != Info {
		t.Errorf("whole-run availability decides: %s", whole.Verdict)
	}
	// The last refused request was sent at 33.496 s (RTO counts to its
	// intended start) and failed 0.1 ms later.
	f := r.Faults[0]
	near(t, "RTO overall", f.RTOS.Overall, 3.496, 1e-9)
	near(t, "RTO eastus", f.RTOS.ByClientRegion["eastus"], 3.496, 1e-9)
	if f.LastFailure == nil || !f.LastFailure.Equal(at(33.496).Add(100*time.Microsecond)) {
		t.Errorf("last failure ended %v, want 33.4961 s", f.LastFailure)
	}
	near(t, "RTO westeurope", f.RTOS.ByClientRegion["westeurope"], 0, 0)
	// Half the traffic failed for 3 s, a quarter for 0.5 s: 1.75 failure-seconds.
	if math.Abs(f.BudgetBurnS-1.75) > 1e-9 || math.Abs(f.BudgetShare-1.75/259.2) > 1e-12 {
		t.Errorf("budget burn %v s, share %v", f.BudgetBurnS, f.BudgetShare)
	}
	near(t, "RPO", f.RPOS, 0.35, 1e-9)
	if f.AckedWrites != 10 || f.LostWrites != 1 || f.LateWrites != 1 || f.FailedRequests != 1750 {
		t.Errorf("fault: %+v", f)
	}
	for _, scope := range []string{"overall", "fault:eastus-down"} {
		if o := objective(t, r, "rto", scope); o.Verdict != Pass {
			t.Errorf("rto %s: %+v", scope, o)
		}
	}
	if r.Verdict != Pass || r.ExitCode != 0 || len(r.Notes) != 0 {
		t.Errorf("verdict %s, exit %d, notes %q", r.Verdict, r.ExitCode, r.Notes)
	}
	golden(t, "failover", r)
}

func golden(t *testing.T, name string, r Report) {
	t.Helper()
	got, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(append(got, '\n'), want) {
		t.Errorf("report differs from %s (rerun with -update and review the diff)", path)
	}
}

func TestEvaluateVerdicts(t *testing.T) {
	slow := func(i int) time.Duration { return 200*time.Millisecond + latencyOf(i) }
	tests := []struct {
		name     string
		run      *results.Run
		opt      Options
		verdict  Verdict
		exit     int
		failing  string // an objective that must fail ("name scope"), or ""
		noteLike string
	}{
		{name: "default sizing: 60 s leaves 35,000 steady requests", run: failover(60, 33.5, latencyOf),
			verdict: Inconclusive, exit: 0},
		{name: "inconclusive fails when asked", run: failover(60, 33.5, latencyOf), opt: Options{InconclusiveFails: true},
			verdict: Inconclusive, exit: 98},
		{name: "slow", run: failover(90, 33.5, slow), verdict: Fail, exit: 99, failing: "p99 overall"},
		{name: "slow failover", run: failover(90, 45, latencyOf), verdict: Fail, exit: 99, failing: "rto fault:eastus-down"},
		{name: "heal failed: the rig failed", run: withHealFailed(failover(90, 33.5, latencyOf)), verdict: Fail, exit: 3, noteLike: "heal failed"},
		{name: "interrupted", run: ended(failover(90, 33.5, latencyOf), "interrupted"), verdict: Pass, exit: 130, noteLike: "run ended: interrupted"},
		{name: "interrupted with a failed heal", run: ended(withHealFailed(failover(90, 33.5, latencyOf)), "interrupted"), verdict: Fail, exit: 130},
		{name: "interrupted while failing", run: ended(failover(90, 45, latencyOf), "interrupted"), verdict: Fail, exit: 130},
		{name: "an error ended the run", run: ended(failover(90, 33.5, latencyOf), "error: write report: disk full"), verdict: Pass, exit: 3},
		{name: "injection failed", run: injectFailed(failover(90, 33.5, latencyOf)), verdict: Pass, exit: 3, noteLike: "injection failed"},
		{name: "a k6 threshold crossed", run: withThresholds(failover(90, 33.5, latencyOf), false), verdict: Fail, exit: 99, failing: "http_req_failed threshold:rate<0.01"},
		{name: "k6 thresholds held", run: withThresholds(failover(90, 33.5, latencyOf), true), verdict: Pass, exit: 0},
		{name: "cut stream", run: cut(failover(90, 33.5, latencyOf)), verdict: Pass, exit: 0, noteLike: "stream was cut"},
		{name: "writes lost 12 s back", run: lostOld(failover(90, 33.5, latencyOf)), verdict: Fail, exit: 99, failing: "rpo fault:eastus-down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(tt.run, tt.opt)
			if r.Verdict != tt.verdict || r.ExitCode != tt.exit {
				t.Errorf("verdict %s exit %d, want %s %d", r.Verdict, r.ExitCode, tt.verdict, tt.exit)
			}
			if tt.failing != "" {
				name, scope, _ := strings.Cut(tt.failing, " ")
				if o := objective(t, r, name, scope); o.Verdict != Fail {
					t.Errorf("%s: %s, want FAIL", tt.failing, o.Verdict)
				}
			}
			if tt.noteLike != "" && !strings.Contains(strings.Join(r.Notes, "\n"), tt.noteLike) {
				t.Errorf("notes %q lack %q", r.Notes, tt.noteLike)
			}
		})
	}
}

// TestEvaluateDefaultSizing: a minute at 1,000 req/s with a 20 s fault, the
// 2 s timeout before it and 5 s recovery leaves 33,000 steady requests,
// 5,411 short of the 38,411 a clean run needs to show 99.99 %.
func TestEvaluateDefaultSizing(t *testing.T) {
	r := Evaluate(failover(60, 33.5, latencyOf), Options{})
	av := objective(t, r, "availability", "steady-state")
	if av.N != 33_000 || av.Verdict != Inconclusive || av.RequestsToDecide != 5411 {
		t.Errorf("steady-state: n=%d %s, %d more; want 33000 INCONCLUSIVE 5411", av.N, av.Verdict, av.RequestsToDecide)
	}
}

func withHealFailed(run *results.Run) *results.Run {
	run.Events[1] = results.Event{Time: at(50), Kind: results.EventHealFailed, Fault: "eastus-down", Detail: "admin API: 503"}
	return run
}

func ended(run *results.Run, reason string) *results.Run {
	run.Trailer.Reason = reason
	return run
}

func injectFailed(run *results.Run) *results.Run {
	run.Events = append(run.Events, results.Event{Time: at(60), Kind: results.EventInjectFailed, Fault: "westeurope-down", Detail: "admin API: 500"})
	return run
}

func withThresholds(run *results.Run, passed bool) *results.Run {
	run.Thresholds = []results.Threshold{{Metric: "http_req_duration", Expr: "p(95)<500", Passed: true},
		{Metric: "http_req_failed", Expr: "rate<0.01", Passed: passed}}
	return run
}

func cut(run *results.Run) *results.Run {
	run.Trailer = nil
	return run
}

func lostOld(run *results.Run) *results.Run {
	run.Writes = append(run.Writes, results.AckedWrite{ID: "old", Region: "eastus", Acked: at(18)})
	run.Readbacks = append(run.Readbacks, results.Readback{ID: "old", Phase: PhaseAfterFault, Fault: "eastus-down"},
		results.Readback{ID: "old", Time: at(51), Phase: PhaseAfterHeal, Fault: "eastus-down"})
	return run
}

func TestExitCodesMatchDesign(t *testing.T) {
	if exitOK != exitcode.OK || exitFailed != exitcode.Failed || exitInconclusive != exitcode.Inconclusive ||
		exitRig != exitcode.Rig || exitInterrupted != exitcode.Interrupted {
		t.Error("slo's exit codes differ from internal/exitcode")
	}
}

func TestEvaluateEmpty(t *testing.T) {
	r := Evaluate(&results.Run{}, Options{})
	if r.Verdict != Inconclusive || r.Requests != 0 || r.Complete {
		t.Errorf("empty run: %s, %d requests, complete=%v", r.Verdict, r.Requests, r.Complete)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Error(err)
	}
}

// TestSteadyStateSkipsRequestsInFlightAtInjection checks that requests sent
// just before the injection, which the fault makes fail after it, do not
// count against steady state: they are the fault's failures.
func TestSteadyStateSkipsRequestsInFlightAtInjection(t *testing.T) {
	s := synth{seconds: 60, regions: []string{"eastus", "westeurope"}, steps: []string{"browse", "checkout"}, perStep: 250,
		outcome: func(region, _ string, sent time.Time, i int) (results.ErrorKind, time.Time, time.Duration) {
			if region == "eastus" && !sent.Before(at(29.95)) && sent.Before(at(31)) {
				return results.ErrRefused, maxTime(sent, at(30.01)), 0
			}
			return results.ErrNone, sent.Add(latencyOf(i)), latencyOf(i)
		}}
	run := s.run()
	run.Events = []results.Event{
		{Time: at(30), Kind: results.EventFaultInjected, Fault: "eastus-down", Target: "eastus", Mode: "down"},
		{Time: at(40), Kind: results.EventFaultHealed, Fault: "eastus-down", Target: "eastus", Mode: "down"},
	}
	run.Trailer = &results.Trailer{Ended: at(60), Reason: "completed", Requests: 60_000}
	r := Evaluate(run, Options{})
	av := objective(t, r, "availability", "steady-state")
	if *av.Value != 1 || av.N != 43_000 { // [0, 28) and [45, 60)
		t.Errorf("steady-state availability %v over %d requests, want 1 over 43000: %+v", *av.Value, av.N, av)
	}
	if f := r.Faults[0]; f.FailedRequests != r.Failures || r.Failures < 520 { // ~1.05 s × 500 req/s of eastus
		t.Errorf("fault failed requests = %d of %d failures, want all of them (~525)", f.FailedRequests, r.Failures)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// TestThresholdObjectives: each k6 threshold is an objective of its own.
func TestThresholdObjectives(t *testing.T) {
	r := Evaluate(withThresholds(failover(90, 33.5, latencyOf), false), Options{})
	held, crossed := objective(t, r, "http_req_duration", "threshold:p(95)<500"), objective(t, r, "http_req_failed", "threshold:rate<0.01")
	if held.Verdict != Pass || held.Reason != "" || held.Unit != "" || held.Value != nil {
		t.Errorf("held threshold: %+v", held)
	}
	if crossed.Verdict != Fail || crossed.Reason != "k6 reported the threshold crossed" {
		t.Errorf("crossed threshold: %+v", crossed)
	}
}
