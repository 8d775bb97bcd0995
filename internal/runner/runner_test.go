package runner

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// shortScenario is a builtin scenario made short enough for a test.
func shortScenario(t testing.TB, name string, rate float64, dur, at, faultFor time.Duration) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(scenario.Overrides{Rate: &rate, Duration: &dur, FaultAt: &at, FaultFor: &faultFor}); err != nil {
		t.Fatal(err)
	}
	return s
}

// firstProbeDown is the instant edge first saw region unhealthy after t: the
// platform's ground truth of detection.
func firstProbeDown(run *results.Run, edge, region string, after time.Time) time.Time {
	for _, e := range run.Events {
		if e.Kind == results.EventProbe && e.Edge == edge && e.Region == region &&
			e.Healthy != nil && !*e.Healthy && e.Time.After(after) {
			return e.Time
		}
	}
	return time.Time{}
}

// lastFailureLatency is the latency of client region cr's last failure
// at or before t.
func lastFailureLatency(run *results.Run, cr string, t time.Time) time.Duration {
	for i := len(run.Failures) - 1; i >= 0; i-- {
		if f := run.Failures[i]; f.ClientRegion == cr && !f.Time.After(t) {
			return f.Time.Sub(f.Intended)
		}
	}
	return 0
}

// TestFailoverRTOAgainstProbeTruth runs the default failover, shortened, on
// the embedded platform and checks the RTO of each client region against the
// platform's own probe transitions, and the lost writes against its store.
func TestFailoverRTOAgainstProbeTruth(t *testing.T) {
	const rate = 200.0
	s := shortScenario(t, "default-failover", rate, 16*time.Second, 4*time.Second, 8*time.Second)
	var p *platform.Platform
	dir := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: dir, onPlatform: func(pl *platform.Platform) { p = pl }})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Eval.Report
	if len(rep.Faults) != 1 {
		t.Fatalf("faults = %d, want 1", len(rep.Faults))
	}
	f := rep.Faults[0]
	detected := firstProbeDown(run, "us", "eastus", f.Injected)
	if detected.IsZero() {
		t.Fatal("the us edge never saw eastus go down")
	}
	truth := detected.Sub(f.Injected).Seconds()
	us := f.RTOS.ByClientRegion["us"]
	if us == nil {
		t.Fatalf("us RTO: not recovered; probe detection was %.3f s after injection", truth)
	}
	// The RTO's resolution is the spacing of the us clients' arrivals (each
	// a 4-step journey: rate/2/4 a second); DESIGN.md §2 asks for
	// max(spacing, 50 ms). Early side: the last journey before the flip may
	// end up to one spacing before it. Late side: a request that failed was
	// routed to eastus before the flip, at or after its intended start, so it
	// failed at most its own latency after the flip (a near-region round trip,
	// more only when the machine starved the platform's goroutines).
	spacing := 1 / (rate / 2 / 4)
	early := max(spacing, 0.050)
	late := max(0.050, lastFailureLatency(run, "us", f.Injected.Add(time.Duration(*us*float64(time.Second))+time.Millisecond)).Seconds()+0.005)
	if d := *us - truth; d < -early || d > late {
		t.Errorf("us RTO = %.3f s, probe detection %.3f s after injection: off by %+.3f s (allowed -%.3f…+%.3f s)", *us, truth, d, early, late)
	}
	if eu := f.RTOS.ByClientRegion["eu"]; eu == nil || *eu != 0 {
		t.Errorf("eu RTO = %v, want 0: eu's nearest region never failed", eu)
	}
	acked := map[string]bool{}
	for _, w := range run.Writes {
		acked[w.ID] = true
	}
	var stranded int
	for _, st := range p.Stranded() {
		if acked[st.ID] { // a write whose ack never reached the client is not an acknowledged write
			stranded++
		}
	}
	if got := f.LostWrites + f.LateWrites; got != uint64(stranded) {
		t.Errorf("lost+late writes = %d+%d, the platform stranded %d acknowledged writes", f.LostWrites, f.LateWrites, stranded)
	}
	if stranded == 0 {
		t.Errorf("no write was stranded: with %v replication lag and ~%.0f checkouts/s to eastus some must be", s.Platform.ReplicationLag, rate/2/4)
	}
	t.Logf("RTO us %.3f s (probe truth %.3f s), lost %d, late %d, stranded %d", *us, truth, f.LostWrites, f.LateWrites, stranded)
}

// TestSlowProbesFail checks that probes too slow for the RTO target make the
// run fail with exit 99.
func TestSlowProbesFail(t *testing.T) {
	// 5 s probes needing 4 failures detect in 15–20 s: the fault lasts long
	// enough for the failover to happen and settle before the heal.
	s := shortScenario(t, "slow-probes", 100, 36*time.Second, 4*time.Second, 30*time.Second)
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir()})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	rep := res.Eval.Report
	if rep.ExitCode != exitcode.Failed {
		t.Fatalf("exit code = %d, want %d; verdict %s", rep.ExitCode, exitcode.Failed, rep.Verdict)
	}
	rto := rep.Faults[0].RTOS.ByClientRegion["us"]
	if rto == nil {
		t.Fatal("us RTO: not recovered; the failover should have settled 10 s before the heal")
	}
	if *rto <= 15 || *rto > 21 {
		t.Errorf("us RTO = %.3f s, want within the 15–20 s (+1 s probe timeout) the probe settings give", *rto)
	}
}
