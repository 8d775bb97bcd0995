package runner

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/scenario"
)

// BenchmarkCompareFalseAlarms measures the comparison's false-alarm rate on
// the embedded platform: SLOCHECK_PAIRS pairs (default 20) of runs of one
// build on TestCompareEmbedded's rig (one client region, service × 4, 500
// req/s, SLOCHECK_PAIR_SECONDS long, default 20; each pair side by side,
// seeded apart), each pair compared with TestCompareEmbedded's tolerances.
// It reports the share of pairs with any row REGRESSED or IMPROVED (a false
// alarm; nominally at most 5 %), the share compared NO CHANGE, and the share
// the rig's lateness made INCONCLUSIVE. Run it alone, once:
//
//	SLOCHECK_PAIRS=20 go test -run '^$' -bench CompareFalseAlarms -benchtime 1x -timeout 60m ./internal/runner/
func BenchmarkCompareFalseAlarms(b *testing.B) {
	pairs, secs := envInt("SLOCHECK_PAIRS", 20), envInt("SLOCHECK_PAIR_SECONDS", 20)
	tol, err := compare.ParseTolerances("availability=0.1%")
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		var alarms, noChange, late int
		for i := range pairs {
			seeded := func(k int64) variant {
				return variant{name: strconv.FormatInt(k, 10), tune: serviceScale(4),
					scenario: func(s *scenario.Scenario) { oneClientRegion(s); s.Platform.Seed = 2*int64(i) + k }}
			}
			sides := runVariants(b, false, 500, time.Duration(secs)*time.Second, time.Second, time.Second, seeded(1), seeded(2))
			c := compare.Compare(sides["1"], sides["2"], compare.Options{Tolerances: tol})
			alarm, excused := false, false
			for _, r := range c.Rows {
				switch {
				case r.Verdict == compare.Regressed || r.Verdict == compare.Improved:
					alarm = true
					b.Logf("pair %d: false alarm: %s %s %s: %s", i, r.Name, r.Scope, r.Verdict, r.Reason)
				case machineLate(r):
					excused = true
				}
			}
			switch {
			case alarm:
				alarms++
			case c.Verdict == compare.NoChange:
				noChange++
			case excused:
				late++
			}
			// On stderr, one line a pair: the benchmark log keeps only ten.
			fmt.Fprintf(os.Stderr, "pair %d: %s\n", i, c.Verdict)
			for _, r := range c.Rows {
				if r.Verdict != compare.NoChange {
					fmt.Fprintf(os.Stderr, "  %s %s %s %s: %s\n", r.Name, r.Scope, r.Verdict, rowChange(r), r.Reason)
				}
			}
		}
		n := float64(pairs)
		b.ReportMetric(float64(alarms)/n, "false-alarms/pair")
		b.ReportMetric(float64(noChange)/n, "no-change/pair")
		b.ReportMetric(float64(late)/n, "machine-late/pair")
		b.Logf("%d pairs of %d s: %d false alarms (%.1f %%), %d NO CHANGE, %d INCONCLUSIVE for the rig's lateness, %d INCONCLUSIVE for the data",
			pairs, secs, alarms, 100*float64(alarms)/n, noChange, late, pairs-alarms-noChange-late)
	}
}

// envInt is the positive integer in the environment variable name, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
