package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
)

// variant is one run of a comparison test: a change to the scenario and to
// the embedded platform's config.
type variant struct {
	name     string
	scenario func(*scenario.Scenario)
	tune     func(*platform.Config)
}

// runVariants runs the variants of one short default-failover scenario side
// by side, so that each sees the same machine (a busy machine slows them
// alike, rather than making a later run look slower than an earlier one),
// and returns their sides by name.
func runVariants(t *testing.T, sequential bool, rate float64, dur, at, faultFor time.Duration, vs ...variant) map[string]compare.Side {
	t.Helper()
	out := map[string]compare.Side{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, v := range vs {
		s := shortScenario(t, "default-failover", rate, dur, at, faultFor)
		s.Platform.Seed = int64(i + 1)
		if v.scenario != nil {
			v.scenario(s)
		}
		dir := t.TempDir()
		run := func() {
			res, err := Run(context.Background(), s, Options{OutDir: dir, tune: v.tune})
			if err != nil {
				t.Errorf("%s: run: %v", v.name, err)
				return
			}
			side, err := LoadSide(dir)
			if err != nil {
				t.Errorf("%s: %v", v.name, err)
				return
			}
			side.Report = res.Eval.Report
			mu.Lock()
			out[v.name] = side
			mu.Unlock()
		}
		if sequential {
			run()
			continue
		}
		wg.Go(run)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

// logRows shows a comparison's rows in the test log.
func logRows(t *testing.T, what string, c compare.Comparison) {
	t.Helper()
	for _, r := range c.Rows {
		t.Logf("%s: %-12s %-18s %-12s %v -> %v %s", what, r.Name, r.Scope, r.Verdict, orDash(r.Baseline), orDash(r.Run), rowChange(r))
	}
}

func rowChange(r compare.Row) string {
	if r.Change == nil {
		return r.Reason
	}
	s := compare.FormatChange(*r.Change, r.ChangeUnit)
	if r.CILow != nil && r.CIHigh != nil {
		s += fmt.Sprintf(" [%s, %s]", compare.FormatChange(*r.CILow, r.ChangeUnit), compare.FormatChange(*r.CIHigh, r.ChangeUnit))
	}
	return s
}

// slower scales every endpoint's median service time by scale.
func slower(scale float64) func(*platform.Config) {
	return func(c *platform.Config) {
		for ep, st := range c.Service {
			st.Median = time.Duration(float64(st.Median) * scale)
			c.Service[ep] = st
		}
	}
}

// noFaults drops the scenario's faults: the whole run is steady state.
func noFaults(s *scenario.Scenario) { s.Faults = nil }

// TestCompareEmbedded: two runs of one build never compare REGRESSED or
// IMPROVED (a false alarm), and a service 20 % slower never compares NO
// CHANGE or IMPROVED on p99: REGRESSED where the runs hold enough requests
// for the interval to clear the 10 % tolerance, INCONCLUSIVE where they do
// not. Which of the two depends on the machine: on an idle one the eu p99
// (about 26 ms, 20 of them service time) moves by about 15 %; on a machine
// so busy that p99 is five times that, the runs' intervals are as wide as
// the machine made them and the comparison says it cannot tell. The runs go
// one after another: side by side they would load the machine for each
// other. Short runs cannot decide availability to 0.01 percentage points
// (that takes 38,400 failure-free requests a run), so the test allows 0.2.
func TestCompareEmbedded(t *testing.T) {
	sides := runVariants(t, true, 300, 8*time.Second, time.Second, time.Second,
		variant{name: "base", scenario: noFaults},
		variant{name: "same", scenario: noFaults},
		variant{name: "service+20%", scenario: noFaults, tune: slower(1.2)},
	)
	tol, err := compare.ParseTolerances("availability=0.2%")
	if err != nil {
		t.Fatal(err)
	}
	same := compare.Compare(sides["base"], sides["same"], compare.Options{Tolerances: tol})
	logRows(t, "same", same)
	for _, r := range same.Rows {
		if r.Verdict == compare.Regressed || r.Verdict == compare.Improved {
			t.Errorf("same build: %s %s %s (%s): a false alarm", r.Name, r.Scope, r.Verdict, r.Reason)
		}
	}
	// NO CHANGE, unless the machine starved a run so that internal/slo put
	// its failures down to the generator's own lateness (the reason says so).
	if r := same.Row("availability", "steady-state"); r.Verdict != compare.NoChange &&
		!(r.Verdict == compare.Inconclusive && strings.Contains(r.Reason, "generator was late")) {
		t.Errorf("same build availability: %s (%s), want NO CHANGE", r.Verdict, r.Reason)
	}
	slow := compare.Compare(sides["base"], sides["service+20%"], compare.Options{Tolerances: tol})
	logRows(t, "service+20%", slow)
	regressed := 0
	for _, r := range slow.Rows {
		switch {
		case r.Name != "p99":
		case r.Verdict == compare.Regressed:
			regressed++
		case r.Verdict != compare.Inconclusive:
			t.Errorf("service +20 %%: %s %s %s (%s), want REGRESSED or INCONCLUSIVE", r.Name, r.Scope, r.Verdict, r.Reason)
		}
	}
	t.Logf("service +20 %%: %d p99 scopes REGRESSED, the others INCONCLUSIVE", regressed)
}

// TestCompareSlowProbes: slower health probes compare REGRESSED on RTO.
func TestCompareSlowProbes(t *testing.T) {
	slowProbes := func(s *scenario.Scenario) {
		// 3 s probes, out of rotation after 4 failures: detection in
		// (9 s, 12 s] against the default's (2 s, 4 s], so RTO rises by
		// at least 5 s, beyond the 3 s tolerance; the fault lasts the
		// detection and the 5 s stability window.
		s.Platform.Probe = scenario.Probe{Interval: 3 * time.Second, SampleSize: 4, SuccessfulSamples: 1, Timeout: time.Second}
	}
	sides := runVariants(t, false, 200, 21*time.Second, 2*time.Second, 18*time.Second,
		variant{name: "base"},
		variant{name: "slow-probes", scenario: slowProbes},
	)
	c := compare.Compare(sides["base"], sides["slow-probes"], compare.Options{})
	logRows(t, "slow-probes", c)
	if r := c.Row("rto", "fault:eastus-down"); r.Verdict != compare.Regressed {
		t.Errorf("rto: %s (%s), want REGRESSED", r.Verdict, r.Reason)
	}
	if c.ExitCode != 99 {
		t.Errorf("exit code %d, want 99", c.ExitCode)
	}
}

func orDash(p *float64) any {
	if p == nil {
		return "-"
	}
	return *p
}
