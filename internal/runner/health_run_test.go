package runner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// TestLateGeneratorIsInconclusive makes the generator late on purpose
// (driver.Config.HoldSends: every send 200 ms after it is due, against a
// 150 ms p99 target) on the embedded platform and checks the health records
// against the driver's own count of sends, and that no p99 objective FAILs:
// each is INCONCLUSIVE with the generator-health reason.
func TestLateGeneratorIsInconclusive(t *testing.T) {
	const hold = 200 * time.Millisecond
	// The fault lasts long enough for the failover (detection in 3–4 s) and
	// its 5 s stability window to settle before the heal.
	const dur = 16 * time.Second
	s := shortScenario(t, "default-failover", 100, dur, 2*time.Second, 11*time.Second)
	dir := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: dir, holdSends: hold})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	// One a second, and the journeys' tail: the last arrivals' 4 steps each
	// end within the 2 s timeout.
	if n := len(run.Health); n < int(dur/time.Second) || n > int(dur/time.Second)+9 {
		t.Fatalf("%d health records for a %v run, want one per second", n, dur)
	}
	var sends uint64
	for _, h := range run.Health {
		sends += h.Sends
		if h.Sends > 0 && (h.SendLagMax.Std() < hold || h.SendLagP99.Std() < hold) {
			t.Errorf("interval at %v: send lag max %v p99 %v, below the hold %v", h.Start.Sub(run.Header.Started), h.SendLagMax, h.SendLagP99, hold)
		}
		if h.CPUs < 1 || h.CPUProcess <= 0 {
			t.Errorf("interval at %v: cpus %d, process cpu %.3f", h.Start.Sub(run.Header.Started), h.CPUs, h.CPUProcess)
		}
	}
	if sends != res.Stats.Sent {
		t.Errorf("health records count %d sends, the driver sent %d", sends, res.Stats.Sent)
	}
	var p99s int
	for _, o := range res.Eval.Report.Objectives {
		if o.Name != "p99" || o.Verdict == slo.Info {
			continue
		}
		p99s++
		if o.Verdict != slo.Inconclusive || !strings.Contains(o.Reason, "the generator was late") {
			t.Errorf("p99 %s: %s (%q), want INCONCLUSIVE because the generator was late", o.Scope, o.Verdict, o.Reason)
		}
	}
	if p99s == 0 {
		t.Fatal("no p99 objective")
	}
	if rep := res.Eval.Report; rep.ExitCode == exitcode.Failed {
		for _, o := range rep.Objectives {
			if o.Verdict == slo.Fail {
				t.Logf("%s %s: %s %q", o.Name, o.Scope, o.Verdict, o.Reason)
			}
		}
		t.Errorf("verdict %s, exit %d: want no FAIL from the generator's own lateness", rep.Verdict, rep.ExitCode)
	}
}

// TestSlowRegionStillFails: a truly slow target (eastus 300 ms slower) still
// fails p99 with exit 99, generator health notwithstanding.
func TestSlowRegionStillFails(t *testing.T) {
	s := shortScenario(t, "slow-region", 200, 12*time.Second, 3*time.Second, 6*time.Second)
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir()})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	rep := res.Eval.Report
	if rep.ExitCode != exitcode.Failed {
		t.Fatalf("exit %d, verdict %s; want 99", rep.ExitCode, rep.Verdict)
	}
	for _, o := range rep.Objectives {
		if o.Name == "p99" && o.Scope == "overall" && o.Verdict != slo.Fail {
			t.Errorf("p99 overall: %s (%q), want FAIL", o.Verdict, o.Reason)
		}
	}
}
