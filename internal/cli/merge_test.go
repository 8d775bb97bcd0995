package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

var mergeT0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// genStream writes into a new run directory what a generator of region cr
// records: 20 s of 50 req/s, 30 ms each, and the fault eastus-down it saw
// at 5 s (by its clock, off by skew) healed at 12 s.
func genStream(t *testing.T, root, name, cr, seg string, skew time.Duration) string {
	t.Helper()
	h := results.Header{Schema: results.Schema, Scenario: "split", Engine: "go", Target: "http://127.0.0.1:1", Generator: name,
		Started: mergeT0, Interval: results.Duration(time.Second), Regions: []string{"eastus", "westeurope"},
		ClientRegions: []string{cr}, Steps: []string{"browse"}, Targets: results.DefaultTargets(), Role: results.RoleGenerator, Segment: seg}
	run := &results.Run{Header: h, Trailer: &results.Trailer{Ended: mergeT0.Add(20 * time.Second), Reason: "completed", Requests: 1000}}
	for s := range 20 {
		iv := results.Interval{Start: mergeT0.Add(time.Duration(s) * time.Second), ClientRegion: cr, Step: "browse",
			Packed: results.NewPackedLatencyHistogram()}
		iv.Counts[results.ErrNone] = 50
		if err := iv.Packed.RecordValues(results.LatencyValue(30*time.Millisecond), 50); err != nil {
			t.Fatal(err)
		}
		run.Intervals = append(run.Intervals, iv)
	}
	run.Events = []results.Event{
		{Time: mergeT0.Add(5*time.Second + skew), Kind: results.EventFaultInjected, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
		{Time: mergeT0.Add(12*time.Second + skew), Kind: results.EventFaultHealed, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
	}
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := results.Write(f, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMergeCommand: merge writes one run of three generators' streams, one
// fault, the tolerance in report.json; it refuses (exit 2, with the reason)
// clocks apart and two streams of the same share, and --force merges them
// with the refusal noted.
func TestMergeCommand(t *testing.T) {
	root := t.TempDir()
	e0 := genStream(t, root, "eastus-0", "eastus", "0:1/2", 0)
	e1 := genStream(t, root, "eastus-1", "eastus", "1/2:1", 30*time.Millisecond)
	w := genStream(t, root, "westeurope", "westeurope", "", -20*time.Millisecond)
	out := filepath.Join(root, "merged")
	code, stdout, stderr := runCLI(t, nil, "merge", e0, e1, w, "--out", out, "--format", "json,md,junit")
	if code == 2 || code == 3 || !strings.Contains(stdout, "reports: "+out) {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	r := readReport(t, out)
	if r.Requests != 3000 || len(r.Faults) != 1 || r.Merge == nil || r.Merge.ClockTolerance.Std() != results.DefaultClockTolerance ||
		len(r.Merge.Streams) != 3 || !r.Faults[0].Injected.Equal(mergeT0.Add(5*time.Second-20*time.Millisecond)) {
		t.Fatalf("merged report: %d requests, faults %+v, merge %+v", r.Requests, r.Faults, r.Merge)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if !strings.Contains(string(md), "clock tolerance of 100ms") {
		t.Errorf("report.md does not state the clock tolerance")
	}

	skewed := genStream(t, root, "eastus-late", "eastus", "1/2:1", 400*time.Millisecond)
	code, _, stderr = runCLI(t, nil, "merge", e0, skewed, w, "--out", filepath.Join(root, "m2"))
	if code != 2 || !strings.Contains(stderr, "420ms apart") || !strings.Contains(stderr, "--force") {
		t.Fatalf("clocks 400 ms apart: exit %d, %s", code, stderr)
	}
	code, _, stderr = runCLI(t, nil, "merge", e0, skewed, w, "--out", filepath.Join(root, "m3"), "--clock-tolerance", "500ms")
	if code == 2 || code == 3 {
		t.Fatalf("clocks 400 ms apart, tolerance 500 ms: exit %d, %s", code, stderr)
	}
	code, _, stderr = runCLI(t, nil, "merge", e0, e0, "--out", filepath.Join(root, "m4"))
	if code != 2 || !strings.Contains(stderr, "both hold client region eastus's traffic 0:1/2") {
		t.Fatalf("the same stream twice: exit %d, %s", code, stderr)
	}
	code, _, stderr = runCLI(t, nil, "merge", e0, e0, "--out", filepath.Join(root, "m5"), "--force")
	if code == 2 || code == 3 {
		t.Fatalf("forced: exit %d, %s", code, stderr)
	}
	if r := readReport(t, filepath.Join(root, "m5")); r.Requests != 2000 || !r.Merge.Forced || len(r.Merge.Warnings) != 1 {
		t.Fatalf("forced merge: %d requests, %+v", r.Requests, r.Merge)
	}
	code, _, stderr = runCLI(t, nil, "merge", e0, filepath.Join(root, "not-yet"), "--out", filepath.Join(root, "m7"), "--wait", "100ms")
	if code != 2 || !strings.Contains(stderr, "still incomplete after 100ms: "+filepath.Join(root, "not-yet")) {
		t.Errorf("--wait for a part that never came: exit %d, %s", code, stderr)
	}
	for _, args := range [][]string{{"merge", e0}, {"merge", e0, "--out", e0}, {"merge", e0, "--out", out}, {"merge", root + "/none", "--out", root + "/m6"}} {
		if code, _, stderr := runCLI(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}
