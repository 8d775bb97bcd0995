package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/results"
)

// TestHealDirSaysWhatItCannotHeal: a run directory whose stream records a
// marked fault never marked healed (the run ended first) gets a heal that
// names it as not healed, by another tool, and exits 0; a marked fault that
// was healed, or one of another injector, is not named.
func TestHealDirSaysWhatItCannotHeal(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Minute)
	rec, err := results.NewRecorder(results.Header{Scenario: "marked", Engine: "go", Target: "embedded", Started: start}, f, results.WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range []results.Event{
		{Kind: results.EventFaultInjected, Fault: "eastus-portal", Target: "eastus", Injector: live.Injector},
		{Kind: results.EventFaultInjected, Fault: "west-script", Target: "westeurope", Injector: live.Injector},
		{Kind: results.EventFaultHealed, Fault: "west-script", Target: "westeurope", Injector: live.Injector},
		{Kind: results.EventFaultInjected, Fault: "eastus-down", Target: "eastus", Injector: "platform"},
	} {
		e.Time = start.Add(time.Duration(i+1) * time.Second)
		rec.RecordEvent(e)
	}
	if err := rec.Close(results.Trailer{Reason: "completed"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, out := slocheckEnv(nil, "heal", dir)
	if code != 0 || !strings.Contains(out, "NOT HEALED eastus-portal") || !strings.Contains(out, "cannot heal it") {
		t.Fatalf("heal: exit %d, want 0 naming eastus-portal as not healed:\n%s", code, out)
	}
	if strings.Contains(out, "west-script") || strings.Contains(out, "eastus-down") {
		t.Errorf("heal named a healed mark or a fault of another injector:\n%s", out)
	}
	if code, out := slocheckEnv(nil, "heal", filepath.Join(dir, "absent")); code != 2 {
		t.Errorf("heal of a directory that does not exist: exit %d, want 2:\n%s", code, out)
	}
}
