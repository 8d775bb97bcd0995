package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// k6Binary is bin/k6 (or $SLOCHECK_K6); the test is skipped without it
// (`make k6` builds it), and fails without it when CI=true: CI builds it
// first (make test), so a missing k6 there is a broken rig, not a skip.
func k6Binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("SLOCHECK_K6")
	if bin == "" {
		bin = filepath.Join("..", "..", "bin", "k6")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no k6 with the slocheck extension at %s: run `%s` first", abs, BuildK6)
		}
		t.Skipf("no k6 with the slocheck extension at %s: run `%s` first", abs, BuildK6)
	}
	return abs
}

// k6Scenario is a shortened default failover on the k6 engine, running
// script from scenarios/.
func k6Scenario(t *testing.T, script string, rate float64, dur, at, faultFor time.Duration) *scenario.Scenario {
	t.Helper()
	s := shortScenario(t, "default-failover", rate, dur, at, faultFor)
	engine, path := scenario.EngineK6, filepath.Join("..", "..", "scenarios", script)
	if err := s.Apply(scenario.Overrides{Engine: &engine, Script: &path}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestK6FailoverAgainstTruths runs the built k6 for 20 s against the embedded
// platform with eastus down from 6 s to 14 s, and checks what slocheck made
// of k6's stream against independent truths: the RTO of the us clients
// against the platform's probe transition, the lost and late writes against
// the writes the platform stranded, and the p99 against the latencies k6
// itself recorded (its JSON output) and its end-of-test p(99).
func TestK6FailoverAgainstTruths(t *testing.T) {
	bin := k6Binary(t)
	const rate = 200.0
	s := k6Scenario(t, "failover.js", rate, 20*time.Second, 6*time.Second, 8*time.Second)
	dir := t.TempDir()
	var p *platform.Platform
	res, err := Run(context.Background(), s, Options{OutDir: dir, K6: bin,
		onPlatform: func(pl *platform.Platform) { p = pl },
		k6Args:     []string{"--out", "json=" + filepath.Join(dir, "k6.json")}})
	if err != nil {
		t.Fatalf("run: %v (k6 log: %s)", err, tail(filepath.Join(dir, K6LogName), 20))
	}
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if run.Header.Engine != "k6" || run.Trailer == nil || run.Trailer.Requests == 0 {
		t.Fatalf("merged stream: engine %q, trailer %+v", run.Header.Engine, run.Trailer)
	}
	if len(run.Thresholds) != 0 {
		t.Errorf("thresholds %+v: the shipped script declares none under slocheck", run.Thresholds)
	}
	rep := res.Eval.Report
	if len(rep.Faults) != 1 {
		t.Fatalf("faults = %d, want 1", len(rep.Faults))
	}
	checkK6RTO(t, run, rep.Faults[0].Injected, rep.Faults[0].RTOS.ByClientRegion, rate)
	checkK6Writes(t, run, p, rep.Faults[0].LostWrites, rep.Faults[0].LateWrites)
	checkK6P99(t, dir, *rep.Objectives[0].Value, rep.Objectives[0].N)
}

// checkK6RTO checks the us clients' RTO against the platform's probe
// transition (the instant the us edge stopped routing to eastus). The last
// request that failed must have been sent (its intended start) within the
// engine's resolution of that instant: the spacing of the us requests, at
// least 50 ms. The RTO then ends when that request's failure came back, so it
// lies between the transition and the transition plus that request's own
// duration (a 502 takes longer on a loaded machine), each within the
// resolution. The eu clients, whose region never failed, see no failure.
func checkK6RTO(t *testing.T, run *results.Run, injected time.Time, rto map[string]*float64, rate float64) {
	t.Helper()
	detected := firstProbeDown(run, "us", "eastus", injected)
	if detected.IsZero() {
		t.Fatal("the us edge never saw eastus go down")
	}
	truth := detected.Sub(injected).Seconds()
	tol := max(1/(rate/2), 0.050)
	us := rto["us"]
	if us == nil {
		t.Fatalf("us RTO: not recovered; probe detection was %.3f s after injection", truth)
	}
	last, ok := lastFailure(run, "us", injected)
	if !ok {
		t.Fatal("no us request failed: the fault did not reach the users")
	}
	sent := last.Intended.Sub(injected).Seconds()
	took := last.Time.Sub(last.Intended).Seconds()
	if d := sent - truth; d < -tol || d > tol {
		t.Errorf("last failed us request sent %.3f s after injection, probe detection %.3f s: off by %.3f s (tolerance %.3f s)", sent, truth, d, tol)
		logFailures(t, run, "us", detected)
	}
	if *us < truth-tol || *us > truth+took+tol {
		t.Errorf("us RTO = %.3f s, want probe detection %.3f s up to the last failure's own %.3f s, ± %.3f s", *us, truth, took, tol)
		logFailures(t, run, "us", detected)
	}
	if eu := rto["eu"]; eu == nil || *eu != 0 {
		t.Errorf("eu RTO = %s, want 0: eu's nearest region never failed", fmtRTO(eu))
		logFailures(t, run, "eu", injected)
	}
	t.Logf("RTO us %.3f s, probe truth %.3f s, last failure sent at %.3f s, took %.3f s", *us, truth, sent, took)
}

// lastFailure is clientRegion's last failed request after from.
func lastFailure(run *results.Run, clientRegion string, from time.Time) (results.Failure, bool) {
	var last results.Failure
	ok := false
	for _, f := range run.Failures {
		if f.ClientRegion == clientRegion && f.Time.After(from) && (!ok || f.Time.After(last.Time)) {
			last, ok = f, true
		}
	}
	return last, ok
}

func fmtRTO(v *float64) string {
	if v == nil {
		return "not recovered"
	}
	return fmt.Sprintf("%.3f s", *v)
}

// logFailures logs clientRegion's failures after from, to tell why an RTO
// was off.
func logFailures(t *testing.T, run *results.Run, clientRegion string, from time.Time) {
	t.Helper()
	n := 0
	for _, f := range run.Failures {
		if f.ClientRegion == clientRegion && f.Time.After(from) && n < 15 {
			n++
			t.Logf("  %s failure at +%.3f s (intended +%.3f s): %s %s status %d", clientRegion, f.Time.Sub(from).Seconds(),
				f.Intended.Sub(from).Seconds(), f.Step, f.Err, f.Status)
		}
	}
}

// checkK6Writes: the writes k6 recorded and slocheck read back account for
// every acknowledged write the platform stranded in eastus.
func checkK6Writes(t *testing.T, run *results.Run, p *platform.Platform, lost, late uint64) {
	t.Helper()
	acked := map[string]bool{}
	for _, w := range run.Writes {
		acked[w.ID] = true
	}
	if len(acked) == 0 {
		t.Fatal("k6 recorded no acknowledged write")
	}
	var stranded int
	for _, st := range p.Stranded() {
		if acked[st.ID] {
			stranded++
		}
	}
	if got := lost + late; got != uint64(stranded) {
		t.Errorf("lost+late writes = %d+%d, the platform stranded %d acknowledged writes", lost, late, stranded)
	}
	t.Logf("%d acked writes, lost %d, late %d, stranded %d", len(acked), lost, late, stranded)
}

// checkK6P99 compares slocheck's overall p99 with the latencies of the same
// requests as k6 recorded them (its JSON output): slocheck's p99 is the
// ⌈0.99 n⌉-th smallest at the histogram's precision (0.1 %, µs). (k6's own
// summary has no p(99) of successful requests to compare: under slocheck
// the shipped scripts declare no threshold, and k6 summarises a submetric
// only for a threshold.)
func checkK6P99(t *testing.T, dir string, p99 float64, n uint64) {
	t.Helper()
	lat := k6Latencies(t, filepath.Join(dir, "k6.json"))
	if uint64(len(lat)) != n {
		t.Fatalf("successful requests: slocheck %d, k6 JSON %d: not the same requests", n, len(lat))
	}
	slices.Sort(lat)
	nearest := lat[(len(lat)*99+99)/100-1]
	got := p99 * 1000 // ms
	precision := nearest/1000 + 0.001
	if d := got - nearest; math.Abs(d) > precision {
		t.Errorf("slocheck p99 %.3f ms, exact nearest-rank p99 %.3f ms: off by %.3f ms (precision %.3f ms)", got, nearest, d, precision)
	}
	t.Logf("p99: slocheck %.3f ms, nearest rank of k6's own latencies %.3f ms, n = %d", got, nearest, n)
}

// k6Latencies reads http_req_duration of expected responses (ms) from k6's
// JSON output.
func k6Latencies(t *testing.T, path string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []float64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var pt struct {
			Type   string `json:"type"`
			Metric string `json:"metric"`
			Data   struct {
				Value float64           `json:"value"`
				Tags  map[string]string `json:"tags"`
			} `json:"data"`
		}
		if err := json.Unmarshal(sc.Bytes(), &pt); err != nil {
			t.Fatal(err)
		}
		if pt.Type == "Point" && pt.Metric == "http_req_duration" && pt.Data.Tags["expected_response"] == "true" {
			out = append(out, pt.Data.Value)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestK6Missing: without k6 the run stops before starting anything, with
// exit 2 and the command that builds it.
func TestK6Missing(t *testing.T) {
	s := k6Scenario(t, "failover.js", 100, 10*time.Second, 2*time.Second, 2*time.Second)
	_, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), K6: filepath.Join(t.TempDir(), "no-k6")})
	var e *exitcode.Error
	if !errors.As(err, &e) || e.Code != exitcode.Usage || e.Hint != BuildK6 {
		t.Fatalf("err = %v, want exit %d with hint %q", err, exitcode.Usage, BuildK6)
	}
}

// TestK6Interrupted cancels a k6 run during its fault: k6 gets one SIGINT
// and ends its stream cleanly, the fault is healed, the run exits 130 and
// the reports cover what was recorded.
func TestK6Interrupted(t *testing.T) {
	bin := k6Binary(t)
	s := k6Scenario(t, "failover.js", 100, 30*time.Second, 3*time.Second, 20*time.Second)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var p *platform.Platform
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Cancel once the fault is in place: its event is in runner.stream.
		for ctx.Err() == nil {
			if run, _ := results.ReadFile(filepath.Join(dir, RunnerStreamName)); run != nil && len(run.Events) > 0 {
				time.Sleep(time.Second)
				cancel()
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	res, err := Run(ctx, s, Options{OutDir: dir, K6: bin, onPlatform: func(pl *platform.Platform) { p = pl }})
	<-done
	if code := exitcode.Code(err); code != exitcode.Interrupted {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitcode.Interrupted)
	}
	if f := p.Faults(); len(f) != 0 {
		t.Errorf("faults still in place after the interrupted run: %+v", f)
	}
	k6run, err := results.ReadFile(filepath.Join(dir, K6StreamName))
	if err != nil || k6run.Trailer == nil || k6run.Trailer.Reason != "interrupted" {
		t.Errorf("k6 stream: err %v, trailer %+v: want a clean end, interrupted", err, k6run.Trailer)
	}
	if res == nil || res.Eval == nil || res.Eval.Report.Requests == 0 {
		t.Fatalf("no report of the requests recorded before the interrupt")
	}
	if elapsed := k6run.Trailer.Ended.Sub(k6run.Header.Started); elapsed > 15*time.Second {
		t.Errorf("k6 ran %v of its 30 s: the interrupt did not stop it", elapsed)
	}
}

// TestK6Scripts checks the shipped scripts' options as k6 reads them (k6
// inspect): one constant-arrival-rate scenario per client region, tagged
// with it and naming its steps, and thresholds for plain k6.
func TestK6Scripts(t *testing.T) {
	bin := k6Binary(t)
	for _, script := range []string{"failover.js", "steady-state.js"} {
		opts := inspectK6(t, bin, script)
		// 400 req/s, us 3/4 of it: 300 req/s = 75 journeys/s = 750 per 10 s.
		want := map[string]int{"us": 750, "eu": 250}
		for cr, rate := range want {
			sc, ok := opts.Scenarios[cr]
			if !ok || sc.Executor != "constant-arrival-rate" || sc.Rate != rate || sc.TimeUnit != "10s" ||
				sc.Tags["client_region"] != cr || sc.Env["SLOCHECK_STEPS"] != "browse,product,cart,checkout" {
				t.Errorf("%s: scenario %s = %+v, want constant-arrival-rate at %d per 10s tagged %s with its steps", script, cr, sc, rate, cr)
			}
		}
		if len(opts.Thresholds) == 0 {
			t.Errorf("%s has no thresholds: plain k6 would not judge it", script)
		}
		// Under slocheck run (SLOCHECK_HEADER set) slocheck's objectives
		// decide alone: a threshold would be a second, cruder judge.
		if under := inspectK6(t, bin, script, "-e", "SLOCHECK_HEADER={}"); len(under.Thresholds) != 0 {
			t.Errorf("%s declares thresholds under slocheck: %v", script, under.Thresholds)
		}
	}
}

// k6Options is what TestK6Scripts reads of `k6 inspect`.
type k6Options struct {
	Scenarios map[string]struct {
		Executor string            `json:"executor"`
		Rate     int               `json:"rate"`
		TimeUnit string            `json:"timeUnit"`
		Tags     map[string]string `json:"tags"`
		Env      map[string]string `json:"env"`
	} `json:"scenarios"`
	Thresholds map[string]any `json:"thresholds"`
}

// inspectK6 is the options of a shipped script as k6 reads them, for 400
// req/s from us (3/4) and eu, with more -e flags.
func inspectK6(t *testing.T, bin, script string, env ...string) k6Options {
	t.Helper()
	// k6 inspect does not read the system environment: -e sets __ENV.
	args := append([]string{"inspect", "-e", `SLOCHECK_EDGES={"us": "http://127.0.0.1:1", "eu": "http://127.0.0.1:2"}`,
		"-e", "SLOCHECK_RATE=400", "-e", `SLOCHECK_WEIGHTS={"us": 3, "eu": 1}`}, env...)
	cmd := exec.Command(bin, append(args, filepath.Join("..", "..", "scenarios", script))...)
	cmd.Env = append(os.Environ(), "K6_AUTO_EXTENSION_RESOLUTION=false")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("k6 inspect %s: %v", script, err)
	}
	var opts k6Options
	if err := json.Unmarshal(out, &opts); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return opts
}

// TestK6OutputStandalone runs steady-state.js with plain `k6 run --out
// slocheck=DIR` (no slocheck run, no SLOCHECK_HEADER) against the embedded
// platform: DIR holds a stream that `slocheck report DIR` evaluates, with
// every request k6 counted and every order it acknowledged.
func TestK6OutputStandalone(t *testing.T) {
	bin := k6Binary(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := platform.Start(ctx, platform.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	edges, _ := json.Marshal(p.Describe().Edges)
	dir := t.TempDir()
	summary := filepath.Join(dir, "summary.json")
	cmd := exec.Command(bin, "run", "--no-usage-report", "--quiet", "--out", "slocheck="+dir, "--summary-export", summary,
		filepath.Join("..", "..", "scenarios", "steady-state.js"))
	cmd.Env = append(os.Environ(), "SLOCHECK_EDGES="+string(edges), "SLOCHECK_RATE=100", "SLOCHECK_DURATION=5s",
		"K6_AUTO_EXTENSION_RESOLUTION=false")
	if out, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 99 {
		t.Fatalf("k6: %v\n%s", err, out)
	}
	ev, err := Evaluate(dir, []string{"json"}, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Metrics map[string]map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	reqs, _ := s.Metrics["http_reqs"]["count"].(float64)
	writes, _ := s.Metrics["slocheck_acked_writes"]["count"].(float64)
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Report.Requests == 0 || uint64(reqs) != ev.Report.Requests || int(writes) != len(run.Writes) {
		t.Errorf("stream: %d requests, %d writes; k6 counted %v requests, %v acked writes", ev.Report.Requests, len(run.Writes), reqs, writes)
	}
	if run.Header.Engine != "k6" || run.Header.Scenario != "steady-state" || !slices.Equal(run.Header.ClientRegions, []string{"eu", "us"}) {
		t.Errorf("header without SLOCHECK_HEADER: %+v", run.Header)
	}
}
