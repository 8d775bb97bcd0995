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
func runVariants(t testing.TB, sequential bool, rate float64, dur, at, faultFor time.Duration, vs ...variant) map[string]compare.Side {
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

// serviceScale makes the embedded platform draw every service time × k.
func serviceScale(k float64) func(*platform.Config) {
	return func(c *platform.Config) { c.ServiceScale = k }
}

// oneClientRegion is a steady-state run (no fault) from US clients only.
// One client region makes the p99 overall and the p99 of region:us one
// sample, so the runs need half the requests a two-region scenario would
// for the same interval.
func oneClientRegion(s *scenario.Scenario) {
	s.Faults = nil
	s.Platform.ClientRegions = map[string]string{"us": "eastus"}
	s.Load.ClientRegions = map[string]float64{"us": 1}
}

// machineLate says whether a row is INCONCLUSIVE because the rig was late:
// internal/compare's reason for a latency row, internal/slo's for
// availability.
func machineLate(r compare.Row) bool {
	return r.Verdict == compare.Inconclusive &&
		(strings.Contains(r.Reason, compare.LateReason) || strings.Contains(r.Reason, "generator was late"))
}

// TestCompareEmbedded: on the embedded platform, two runs of one build
// compare NO CHANGE, and a run whose every service time is 20 % longer
// compares REGRESSED on p99 (beyond a 5 % tolerance), each unless the machine was too late to tell
// (then the rows are INCONCLUSIVE and say so; never a false alarm).
//
// The rig: one client region, no fault, 500 req/s for 20 s (10,000
// requests a run), the three runs side by side so that each sees the same
// machine. The platform's service times are × 4 (checkout's median 32 ms, a
// p99 about 70 ms): on the default platform 6 ms of WAN delay and 2–3 ms of
// HTTP are a third of a 26 ms p99, so 20 % more service time moves p99 by
// only about 12 %, which a ±10 % tolerance cannot call REGRESSED; at × 4 it
// moves p99 by about 18 %. The sizes, from the order-statistic interval:
// p99's standard error is about 1.5 % a run at 10,000 requests, so the
// interval of a change is ±4 %: two runs of one build fall within ±10 %
// (NO CHANGE) unless chance moves them more than 6 %, 2.8 standard errors
// of their difference (0.5 % of pairs); the slower run keeps the base's seed
// (the same draws, × 1.2: the change is the service time's alone). Its
// change is judged against a 5 % tolerance: the interval of a change is ±4 %
// by the order statistics but ±6 % where the whole-second bootstrap widens
// it, and the measured change scatters (+15.8 % to +19.6 % in quiet runs),
// so against the default 10 % an honest test calls +16 % [+9.9, +22.0]
// INCONCLUSIVE (it did, once in two quiet runs); against 5 % the lower edge
// clears the tolerance unless the change comes out below about 11 %, three
// standard errors of the difference under the +18 % the platform makes.
// The same-build pair is judged against the default 10 %. Availability's
// tolerance is 0.1 percentage points in both, because 10,000 failure-free
// requests a run decide a change to ±0.04 points, not the default's 0.01.
func TestCompareEmbedded(t *testing.T) {
	if raceEnabled {
		// Under the race detector a request costs the in-process rig about
		// 2.4 ms of CPU, so three side-by-side runs at 500 req/s need 3.6
		// cores: every run is starved and no comparison can decide. CI runs
		// this test without it, alone (make test-stats).
		t.Skip("needs a rig that keeps up: runs without -race in make test-stats")
	}
	sameSeed := func(s *scenario.Scenario) { oneClientRegion(s); s.Platform.Seed = 1 }
	sides := runVariants(t, false, 500, 20*time.Second, time.Second, time.Second,
		variant{name: "base", scenario: oneClientRegion, tune: serviceScale(4)},
		variant{name: "same", scenario: oneClientRegion, tune: serviceScale(4)},
		variant{name: "service+20%", scenario: sameSeed, tune: serviceScale(4 * 1.2)},
	)
	tol, err := compare.ParseTolerances("availability=0.1%")
	if err != nil {
		t.Fatal(err)
	}
	same := compare.Compare(sides["base"], sides["same"], compare.Options{Tolerances: tol})
	logRows(t, "same", same)
	late := false
	for _, r := range same.Rows {
		switch {
		case r.Verdict == compare.NoChange:
		case machineLate(r):
			late = true
			t.Logf("same build: %s %s: the machine could not tell: %s", r.Name, r.Scope, r.Reason)
		default:
			t.Errorf("same build: %s %s %s (%s), want NO CHANGE", r.Name, r.Scope, r.Verdict, r.Reason)
		}
	}
	if !late && same.Verdict != compare.NoChange {
		t.Errorf("same build: verdict %s, want NO CHANGE", same.Verdict)
	}
	slowTol, err := compare.ParseTolerances("availability=0.1%,p99=5%")
	if err != nil {
		t.Fatal(err)
	}
	slow := compare.Compare(sides["base"], sides["service+20%"], compare.Options{Tolerances: slowTol})
	logRows(t, "service+20%", slow)
	switch r := slow.Row("p99", "overall"); {
	case r.Verdict == compare.Regressed:
		if slow.ExitCode != 99 {
			t.Errorf("service +20 %%: exit %d, want 99", slow.ExitCode)
		}
	case machineLate(r):
		t.Logf("service +20 %%: the machine could not tell: %s", r.Reason)
	default:
		t.Errorf("service +20 %%: p99 %s (%s), want REGRESSED", r.Verdict, r.Reason)
	}
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
