package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// TestLagProbeRun runs a short failover on the embedded platform with the
// lag probe: its samples reach the stream, report.json, the console, the
// Markdown and the HTML. Every marker written away from the fault (before
// it by more than the lag, or after the heal) brackets the platform's
// configured replication lag L ([lag − resolution, lag], the resolution
// about one poll while the probe keeps pace). Markers near the fault
// replicate at the heal (policy late): none is lost.
func TestLagProbeRun(t *testing.T) {
	s := shortScenario(t, "default-failover", 50, 7*time.Second, 2*time.Second, 2*time.Second)
	const interval = 250 * time.Millisecond
	s.LagProbe = &scenario.LagProbe{Interval: interval, Poll: 25 * time.Millisecond, TTL: time.Hour}
	L := s.Platform.ReplicationLag
	dir := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: dir, Formats: []string{"json", "md", "html"}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	rep := res.Eval.Report
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Faults) != 1 || rep.Faults[0].Healed == nil {
		t.Fatalf("faults %+v: want one, healed", rep.Faults)
	}
	fault, heal := rep.Faults[0].Injected, *rep.Faults[0].Healed
	away := 0
	for _, l := range run.Lags {
		if l.Lost {
			t.Errorf("%s→%s marker written at fault%+v lost: policy late loses nothing", l.From, l.To, l.Written.Sub(fault))
		}
		if l.Acked.Add(L).Before(fault) || l.Written.After(heal) { // accepted and due before the fault, or written after the heal
			away++
			if got, res := l.Lag.Std(), l.Resolution.Std(); L < got-res-5*time.Millisecond || L > got+5*time.Millisecond {
				t.Errorf("%s→%s marker written at fault%+v: lag %v (resolution %v), want it to bracket %v", l.From, l.To, l.Written.Sub(fault), got, res, L)
			}
		}
	}
	if away < 10 || len(rep.ReplicationLag) != 2 {
		t.Fatalf("%d markers away from the fault, %d pairs: want at least 10 and 2", away, len(rep.ReplicationLag))
	}
	for _, p := range rep.ReplicationLag {
		if *p.P50S < L.Seconds() || p.MaxResolutionS == nil {
			t.Errorf("%s→%s p50 %.3f s, resolution %v: want at least L = %v, and the probe's resolution", p.From, p.To, *p.P50S, p.MaxResolutionS, L)
		}
		t.Logf("%s→%s: p50 %.3f s, p99 %.3f s, max %.3f s, widest resolution %.3f s; configured lag %v, probe interval %v",
			p.From, p.To, *p.P50S, *p.P99S, *p.MaxS, *p.MaxResolutionS, L, interval)
	}
	checkLagFiles(t, dir, rep)
}

func checkLagFiles(t *testing.T, dir string, r *slo.Report) {
	t.Helper()
	for file, want := range map[string]string{"report.json": `"replication_lag"`, "report.md": "## Replication lag", "report.html": "chart_lag"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: %v; want it to hold %q", file, err, want)
		}
	}
	var console bytes.Buffer
	if err := report.Table(&console, r); err != nil || !strings.Contains(console.String(), "replication lag eastus→westeurope: p50 ") {
		t.Errorf("console: %v\n%s", err, console.String())
	}
}
