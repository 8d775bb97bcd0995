package cli_test

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.* from the commands' output")

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// fakeRun is a run directory's stream made request by request: 30 s of 400
// requests a second from each of us and eu (latencies log-normal around
// median, seeded), eastus down from 8 s to 22 s, the us requests failing
// (refused) for the first rto of it.
type fakeRun struct {
	scenario string
	median   time.Duration
	rto      time.Duration
	seed     uint64
	labels   map[string]string
}

func (f fakeRun) write(t *testing.T) string {
	t.Helper()
	run := &results.Run{Header: results.Header{
		Schema: results.Schema, Scenario: f.scenario, Engine: "go", Target: "embedded", Started: t0,
		Interval: results.Duration(time.Second), Regions: []string{"eastus", "westeurope"},
		ClientRegions: []string{"us", "eu"}, Steps: []string{"browse"}, Targets: results.DefaultTargets(), Labels: f.labels,
	}}
	inject, heal := t0.Add(8*time.Second), t0.Add(22*time.Second)
	run.Events = []results.Event{
		{Time: inject, Kind: results.EventFaultInjected, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
		{Time: heal, Kind: results.EventFaultHealed, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
	}
	rng := rand.New(rand.NewPCG(f.seed, 1))
	const perSecond = 400
	for sec := range 30 {
		for _, cr := range []string{"us", "eu"} {
			iv := results.Interval{Start: t0.Add(time.Duration(sec) * time.Second), ClientRegion: cr, Step: "browse",
				Latency: results.NewLatencyHistogram(), ServedBy: map[string]uint64{}}
			for k := range perSecond {
				at := iv.Start.Add(time.Duration(k) * time.Second / perSecond)
				if cr == "us" && !at.Before(inject) && at.Before(inject.Add(f.rto)) {
					iv.Counts[results.ErrRefused]++
					run.Failures = append(run.Failures, results.Failure{Time: at.Add(time.Millisecond), Intended: at, ClientRegion: cr, Step: "browse", Err: results.ErrRefused})
					continue
				}
				iv.Counts[results.ErrNone]++
				iv.ServedBy["westeurope"]++
				_ = iv.Latency.RecordValue(results.LatencyValue(time.Duration(float64(f.median) * math.Exp(0.3*rng.NormFloat64()))))
			}
			run.Intervals = append(run.Intervals, iv)
		}
	}
	run.Trailer = &results.Trailer{Ended: t0.Add(30 * time.Second), Reason: "completed", Requests: 30 * 2 * perSecond}
	dir := t.TempDir()
	fh, err := os.Create(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := results.Write(fh, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run TestCompare -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./internal/cli -run TestCompare -update and review the diff)\ngot:\n%s", path, got)
	}
}

func TestCompareCommand(t *testing.T) {
	base := fakeRun{scenario: "default-failover", median: 20 * time.Millisecond, rto: 3 * time.Second, seed: 1, labels: map[string]string{"build": "1233"}}.write(t)
	worse := fakeRun{scenario: "default-failover", median: 24 * time.Millisecond, rto: 9 * time.Second, seed: 2, labels: map[string]string{"build": "1234"}}.write(t)
	same := fakeRun{scenario: "default-failover", median: 20 * time.Millisecond, rto: 3 * time.Second, seed: 3}.write(t)
	other := fakeRun{scenario: "slow-probes", median: 20 * time.Millisecond, rto: 3 * time.Second, seed: 4}.write(t)
	strip := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, base, "BASE"), worse, "RUN") }

	for _, format := range []string{"table", "json", "md"} {
		code, out, errs := runCLI(t, nil, "compare", base, worse, "--format", format)
		if code != 99 {
			t.Errorf("--format %s: exit %d, want 99 (a regression); stderr %s", format, code, errs)
		}
		ext := map[string]string{"table": "txt", "json": "json", "md": "md"}[format]
		golden(t, "compare.golden."+ext, strip(out))
	}
	if code, out, errs := runCLI(t, nil, "compare", base, same, "--tolerance", "availability=0.1%"); code != 0 || !strings.Contains(out, "verdict: NO CHANGE (exit 0)") {
		t.Errorf("same build: exit %d, want 0 and NO CHANGE\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, nil, "compare", base, other); code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("other scenario: exit %d, want 2 with a hint at --force; stderr %s", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "compare", base, other, "--force"); code != 0 {
		t.Errorf("other scenario with --force: exit %d, want 0; stderr %s", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "compare", base, same, "--tolerance", "p99=200%"); code != 2 || !strings.Contains(errs, "p99=200%") {
		t.Errorf("bad tolerance: exit %d, want 2 naming it; stderr %s", code, errs)
	}
	out := t.TempDir()
	if code, _, _ := runCLI(t, nil, "compare", base, worse, "--out", out); code != 99 {
		t.Errorf("--out: exit %d, want 99", code)
	}
	for _, name := range []string{"compare.txt", "compare.json", "compare.md"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("--out: %v", err)
		}
	}
}

func TestRunLabelsAndBaseline(t *testing.T) {
	base := fakeRun{scenario: "default-failover", median: 20 * time.Millisecond, rto: 3 * time.Second, seed: 1}.write(t)
	if code, _, errs := runCLI(t, nil, "run", "--label", "no equals sign"); code != 2 || !strings.Contains(errs, "--label") {
		t.Errorf("bad label: exit %d, want 2 naming --label; stderr %s", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "run", "--scenario", "slow-probes", "--baseline", base, "--duration", "2s", "--fault-at", "1s", "--fault-for", "1s"); code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("baseline of another scenario: exit %d, want 2 with a hint at --force; stderr %s", code, errs)
	}
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errs := runCLI(t, nil, "run", "--quiet", "--duration", "3s", "--rate", "100", "--fault-at", "1s", "--fault-for", "1s",
		"--out", dir, "--label", "build=1234", "--label", "env=ci", "--baseline", base)
	if code != 0 && code != 98 && code != 99 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "labels build=1234 env=ci") || !strings.Contains(out, "baseline: "+base) {
		t.Errorf("the console shows no labels or no comparison:\n%s", out)
	}
	js, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil || !strings.Contains(string(js), `"build": "1234"`) {
		t.Errorf("report.json has no labels (%v)", err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil || !strings.Contains(string(md), "## Against the baseline") || !strings.Contains(string(md), "build=1234") {
		t.Errorf("report.md has no comparison or no labels (%v)", err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !strings.Contains(string(page), `<section id="against-the-baseline">`) || !strings.HasSuffix(strings.TrimSpace(string(page)), "</html>") {
		t.Errorf("report.html has no comparison section before its end (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "compare.json")); err != nil {
		t.Errorf("compare.json: %v", err)
	}

	// report DIR rebuilds the reports and keeps the comparison: the same
	// files, the comparison printed again and the run's exit code.
	rcode, rout, rerrs := runCLI(t, nil, "report", dir)
	if rcode != code || !strings.Contains(rout, "baseline: "+base) {
		t.Errorf("report DIR: exit %d (the run's %d), comparison printed: %t\n%s%s", rcode, code, strings.Contains(rout, "baseline: "+base), rout, rerrs)
	}
	for name, before := range map[string][]byte{"report.md": md, "report.html": page} {
		if after, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(after) != string(before) {
			t.Errorf("report DIR rewrote %s differently from the run (%v)", name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "compare.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	rcode, _, rerrs = runCLI(t, nil, "report", dir)
	md, _ = os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(rerrs, "compare.json") || strings.Contains(string(md), "## Against the baseline") || rcode == 2 || rcode == 3 {
		t.Errorf("a broken compare.json: exit %d, stderr %q; want a warning naming it and the reports without the comparison", rcode, rerrs)
	}
}

func TestHistoryCommand(t *testing.T) {
	root := t.TempDir()
	runs := []fakeRun{
		{scenario: "default-failover", median: 20 * time.Millisecond, rto: 3 * time.Second, seed: 1, labels: map[string]string{"build": "1"}},
		{scenario: "default-failover", median: 20 * time.Millisecond, rto: 3 * time.Second, seed: 2, labels: map[string]string{"build": "2"}},
		{scenario: "default-failover", median: 24 * time.Millisecond, rto: 9 * time.Second, seed: 3, labels: map[string]string{"build": "3"}},
	}
	for i, r := range runs {
		dir := r.write(t)
		// Each night starts a day later; the directories' names sort
		// against their start, so the history must order by start.
		if err := os.Rename(dir, filepath.Join(root, fmt.Sprintf("nightly-%d", 3-i))); err != nil {
			t.Fatal(err)
		}
		shiftStart(t, filepath.Join(root, fmt.Sprintf("nightly-%d", 3-i)), time.Duration(i)*24*time.Hour)
	}
	out := filepath.Join(root, "history")
	code, stdout, errs := runCLI(t, nil, "history", filepath.Join(root, "nightly-*"), "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, errs)
	}
	if !strings.Contains(stdout, "3 runs, 1 regressed against the run before") {
		t.Errorf("history table:\n%s", stdout)
	}
	csv, err := os.ReadFile(filepath.Join(out, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "history.golden.csv", strings.ReplaceAll(string(csv), root+string(filepath.Separator), "ROOT/"))
	html, err := os.ReadFile(filepath.Join(out, "history.html"))
	if err != nil || !strings.Contains(string(html), "echarts.init") || !strings.Contains(string(html), "REGRESSED") {
		t.Errorf("history.html has no chart or no regression marked (%v)", err)
	}
}

// shiftStart moves a run directory's stream by d, rewriting it.
func shiftStart(t *testing.T, dir string, d time.Duration) {
	t.Helper()
	path := filepath.Join(dir, results.FileName)
	run, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	run.Header.Started = run.Header.Started.Add(d)
	for i := range run.Intervals {
		run.Intervals[i].Start = run.Intervals[i].Start.Add(d)
	}
	for i := range run.Events {
		run.Events[i].Time = run.Events[i].Time.Add(d)
	}
	for i := range run.Failures {
		run.Failures[i].Time, run.Failures[i].Intended = run.Failures[i].Time.Add(d), run.Failures[i].Intended.Add(d)
	}
	run.Trailer.Ended = run.Trailer.Ended.Add(d)
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := results.Write(fh, run); err != nil {
		t.Fatal(err)
	}
}
