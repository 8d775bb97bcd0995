package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
)

// TestLagProbePanicHealsAndReports panics in the replication-lag probe while
// the embedded platform holds the fault, on both engines, and checks what
// TestPanicAnywhereHealsAndReports checks of every other goroutine: exit 3
// naming the panic, the fault healed by the platform's own account, the
// results kept, and the traffic stopped before its end.
func TestLagProbePanicHealsAndReports(t *testing.T) {
	for _, engine := range []string{"go", "k6"} {
		t.Run(engine, func(t *testing.T) {
			const dur = 30 * time.Second
			var s *scenario.Scenario
			o := Options{OutDir: t.TempDir(), hooks: &hooks{}}
			if engine == "k6" {
				o.K6 = k6Binary(t)
				s = k6Scenario(t, "failover.js", 50, dur, time.Second, 25*time.Second)
			} else {
				s = shortScenario(t, "default-failover", 50, dur, time.Second, 25*time.Second)
			}
			s.LagProbe = &scenario.LagProbe{Interval: 250 * time.Millisecond, Poll: 25 * time.Millisecond, TTL: time.Hour}
			f := &faulted{}
			o.onPlatform = f.onPlatform
			o.hooks.lag = f.once(func() { panic("boom") })
			_, err := Run(context.Background(), s, o)
			const where = "the lag probe"
			if exitcode.Code(err) != exitcode.Rig || !strings.Contains(err.Error(), "panic in "+where) || !strings.Contains(err.Error(), "boom") {
				t.Fatalf("Run: %v (exit %d); want exit 3 naming the panic in %s", err, exitcode.Code(err), where)
			}
			healedOnPlatform(t, f.p.Load())
			run := readRun(t, o.OutDir, "error: panic in "+where)
			if ran := run.Trailer.Ended.Sub(run.Header.Started); ran >= dur {
				t.Errorf("the run went on for %v after the panic, its whole duration", ran)
			}
		})
	}
}
