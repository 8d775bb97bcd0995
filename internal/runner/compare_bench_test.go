package runner

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/scenario"
)

// BenchmarkCompareFalseAlarms measures the comparison's false-alarm rate on
// the embedded platform: SLOCHECK_PAIRS pairs (default 20) of seeded short
// runs of one build (300 req/s for 12 s, no fault), each pair compared, and
// reports the share of pairs with any row REGRESSED or IMPROVED (a false
// alarm; nominally at most 5 %) and the share compared NO CHANGE overall.
// Run it alone, once: go test -run '^$' -bench CompareFalseAlarms -benchtime 1x ./internal/runner/
func BenchmarkCompareFalseAlarms(b *testing.B) {
	pairs := 20
	if n, err := strconv.Atoi(os.Getenv("SLOCHECK_PAIRS")); err == nil && n > 0 {
		pairs = n
	}
	tol, err := compare.ParseTolerances("availability=0.2%")
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		var alarms, noChange int
		for i := range pairs {
			sides := runPair(b, i)
			c := compare.Compare(sides[0], sides[1], compare.Options{Tolerances: tol})
			for _, r := range c.Rows {
				if r.Verdict == compare.Regressed || r.Verdict == compare.Improved {
					alarms++
					b.Logf("pair %d: false alarm: %s %s %s: %s", i, r.Name, r.Scope, r.Verdict, r.Reason)
					break
				}
			}
			if c.Verdict == compare.NoChange {
				noChange++
			}
		}
		b.ReportMetric(float64(alarms)/float64(pairs), "false-alarms/pair")
		b.ReportMetric(float64(noChange)/float64(pairs), "no-change/pair")
		b.Logf("%d pairs: %d false alarms (%.1f %%), %d NO CHANGE", pairs, alarms, 100*float64(alarms)/float64(pairs), noChange)
	}
}

// runPair runs two seeded short runs of one build, one after the other.
func runPair(b *testing.B, i int) [2]compare.Side {
	var out [2]compare.Side
	for k := range out {
		s, err := scenario.Builtin("default-failover")
		if err != nil {
			b.Fatal(err)
		}
		rate, dur, at, span := 300.0, 12*time.Second, time.Second, time.Second
		if err := s.Apply(scenario.Overrides{Rate: &rate, Duration: &dur, FaultAt: &at, FaultFor: &span}); err != nil {
			b.Fatal(err)
		}
		s.Faults = nil
		s.Platform.Seed = int64(2*i + k + 1)
		dir := b.TempDir()
		if _, err := Run(b.Context(), s, Options{OutDir: dir}); err != nil {
			b.Fatal(err)
		}
		if out[k], err = LoadSide(dir); err != nil {
			b.Fatal(err)
		}
	}
	return out
}
