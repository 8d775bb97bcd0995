package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/internal/live/otlptest"
)

// TestRunPushesOTLPThroughTheCompanion runs the real slocheck with
// --otlp-endpoint against a loopback OTLP/HTTP receiver that decodes what
// it gets as a collector does: the last push (slocheck-cloud's, when the
// run closed its stdin) counts every request report.json counts.
func TestRunPushesOTLPThroughTheCompanion(t *testing.T) {
	dir := companiontest.Build(t, "slocheck", "slocheck-cloud")
	rcv := otlptest.New(t)
	c := newCluster(t)
	scen := shopScenario(t, c, 2*time.Second, 0, 0)
	b, err := os.ReadFile(scen)
	if err != nil {
		t.Fatal(err)
	}
	noFault := strings.Split(string(b), "faults:")[0]
	if err := os.WriteFile(scen, []byte(noFault), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	cmd := command(filepath.Join(dir, "slocheck"), "run", "--scenario", scen, "--out", out, "--quiet", "--otlp-endpoint", rcv.URL)
	if b, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 98 && cmd.ProcessState.ExitCode() != 99 {
		t.Fatalf("slocheck run: %v\n%s", err, b)
	}
	var rep struct{ Requests int }
	if raw, err := os.ReadFile(filepath.Join(out, "report.json")); err != nil || json.Unmarshal(raw, &rep) != nil || rep.Requests == 0 {
		t.Fatalf("report.json: %v %+v", err, rep)
	}
	if last := rcv.Sum(live.MetricRequests); rcv.Pushes() == 0 || last != float64(rep.Requests) {
		t.Errorf("the receiver got %d pushes, the last with %s = %v; report.json counts %d requests", rcv.Pushes(), live.MetricRequests, last, rep.Requests)
	}
}
