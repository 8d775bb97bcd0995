package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/slocheck/slocheck/internal/cli"
	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/results"
)

// bgRun is `slocheck run` going in the background, in-process.
type bgRun struct {
	dir  string
	out  *cli.SyncBuffer
	done chan int
}

func startRun(t *testing.T, env map[string]string, args ...string) *bgRun {
	t.Helper()
	r := &bgRun{dir: t.TempDir(), out: &cli.SyncBuffer{}, done: make(chan int, 1)}
	args = append(args, "--out", r.dir)
	go func() {
		r.done <- cli.Run(context.Background(), args, cli.IO{Out: r.out, Err: r.out, Getenv: func(k string) string { return env[k] }})
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		case <-time.After(90 * time.Second):
			t.Errorf("the run did not end; output:\n%s", r.out)
		}
	})
	return r
}

// control waits for the run's control.json.
func (r *bgRun) control(t *testing.T) live.Control {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(r.dir, live.ControlFile))
		var c live.Control
		if err == nil && json.Unmarshal(b, &c) == nil && c.URL != "" {
			return c
		}
		select {
		case code := <-r.done:
			t.Fatalf("the run ended (exit %d) before its control API was up:\n%s", code, r.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %s in %s", live.ControlFile, r.dir)
	return live.Control{}
}

// wait returns the run's exit code.
func (r *bgRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		r.done <- code
		return code
	case <-time.After(90 * time.Second):
		t.Fatalf("the run did not end:\n%s", r.out)
	}
	return -1
}

// slocheckEnv runs a command in-process with env and returns its exit code and output.
func slocheckEnv(env map[string]string, args ...string) (int, string) {
	var out cli.SyncBuffer
	code := cli.Run(context.Background(), args, cli.IO{Out: &out, Err: &out, Getenv: func(k string) string { return env[k] }})
	return code, out.String()
}

// parseExposition parses a text exposition with the Prometheus parser.
func parseExposition(t *testing.T, b []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v\n%s", err, b)
	}
	return fams
}

// scrape GETs url (a /metrics) as Prometheus would and parses it.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b.String())
	}
	return parseExposition(t, b.Bytes())
}

// gauge is the value of the family's series whose labels include want; ok
// false when there is none.
func gauge(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.Metric {
		if hasLabels(m, want) {
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.Label {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(want)
}

// counterSum adds the family's counters whose labels include want.
func counterSum(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	if f := fams[name]; f != nil {
		for _, m := range f.Metric {
			if hasLabels(m, want) {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// adminCall sends a request to the embedded platform's admin API and decodes
// its answer.
func adminCall(t *testing.T, method, url, body string, into any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d", method, url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}

// manualScenario is default-failover, short, with its fault injected by
// another tool: injector manual, measured from its marks.
func manualScenario(t *testing.T, rate float64, dur string) string {
	t.Helper()
	yaml := fmt.Sprintf(`name: marked-failover
platform:
  regions: [eastus, westeurope]
  client_regions: {us: eastus, eu: westeurope}
  probe: {interval: 2s, sample_size: 4, successful_samples: 3, timeout: 1s}
  replication_lag: 300ms
load:
  rate: %g
  duration: %s
  timeout: 2s
  client_regions: {us: 1, eu: 1}
  journeys:
    - {name: shop, weight: 1, steps: [browse, product, cart, checkout]}
faults:
  - {name: eastus-portal, injector: manual, region: eastus, at: 3s, for: 6s}
`, rate, dur)
	path := filepath.Join(t.TempDir(), "marked.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMarkedFaultMetricsAndRTO injects a fault through the embedded
// platform's admin API (not through slocheck), marks it with `slocheck
// mark` (the scenario's fault has injector manual: slocheck waits for its
// marks), and checks: the fault gauge flips at the injection and the heal
// marks, the exposition parses with the Prometheus text parser, the final
// counters equal report.json's, and the marked fault's RTO lies within the
// request spacing of the platform's probe truth.
func TestMarkedFaultMetricsAndRTO(t *testing.T) {
	const rate = 200.0
	scen := manualScenario(t, rate, "14s")
	if code, out := slocheckEnv(nil, "run", "--quiet", "--scenario", scen, "--out", t.TempDir()); code != 2 || !strings.Contains(out, "manual") {
		t.Fatalf("a manual fault without the control API: exit %d, want 2:\n%s", code, out)
	}
	r := startRun(t, nil, "run", "--quiet", "--scenario", scen, "--metrics-addr", "127.0.0.1:0", "--live-refresh", "500ms")
	ctl := r.control(t)
	if ctl.PlatformAdmin == "" || ctl.TokenRequired {
		t.Fatalf("control.json = %+v: want the platform's admin URL and no token on loopback", ctl)
	}
	time.Sleep(3 * time.Second) // steady state first
	fams := scrape(t, ctl.Metrics, "")
	if _, ok := gauge(fams, live.MetricFaultInjected, map[string]string{"fault": "eastus-portal"}); ok {
		t.Fatal("a fault gauge before any fault")
	}
	if counterSum(fams, live.MetricRequests, nil) == 0 {
		t.Fatal("no request counted after 3 s")
	}
	var inj struct {
		Injected time.Time `json:"injected"`
	}
	adminCall(t, http.MethodPost, ctl.PlatformAdmin+"/faults", `{"region": "eastus", "mode": "down"}`, &inj)
	at := inj.Injected.UTC().Format(time.RFC3339Nano)
	if code, out := slocheckEnv(nil, "mark", r.dir, "--fault", "eastus-portal", "--phase", "injected", "--region", "eastus", "--mode", "down", "--at", at); code != 0 {
		t.Fatalf("slocheck mark injected: exit %d: %s", code, out)
	}
	if v, ok := gauge(scrape(t, ctl.Metrics, ""), live.MetricFaultInjected, map[string]string{"fault": "eastus-portal"}); !ok || v != 1 {
		t.Fatalf("fault gauge after the injected mark = %v (present %v), want 1", v, ok)
	}
	time.Sleep(6 * time.Second) // probes detect it within 4 s: RTO measurable
	var heal struct {
		Healed time.Time `json:"healed"`
	}
	adminCall(t, http.MethodDelete, ctl.PlatformAdmin+"/faults/eastus", "", &heal)
	if code, out := slocheckEnv(nil, "mark", ctl.URL, "--fault", "eastus-portal", "--phase", "healed", "--at", heal.Healed.UTC().Format(time.RFC3339Nano)); code != 0 {
		t.Fatalf("slocheck mark healed: exit %d: %s", code, out)
	}
	if v, ok := gauge(scrape(t, ctl.Metrics, ""), live.MetricFaultInjected, map[string]string{"fault": "eastus-portal"}); !ok || v != 0 {
		t.Fatalf("fault gauge after the healed mark = %v (present %v), want 0", v, ok)
	}
	if code := r.wait(t); code != 0 && code != 99 && code != 98 {
		t.Fatalf("run: exit %d:\n%s", code, r.out)
	}
	checkFinalCounters(t, r.dir)
	checkMarkedRTO(t, r.dir, rate, inj.Injected)
}

// checkFinalCounters compares the metrics' final values with report.json.
func checkFinalCounters(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, live.FinalFile))
	if err != nil {
		t.Fatal(err)
	}
	fams := parseExposition(t, b)
	rep := readReport(t, dir)
	if got := counterSum(fams, live.MetricRequests, nil); got != float64(rep.Requests) {
		t.Errorf("%s = %.0f, report.json requests = %d", live.MetricRequests, got, rep.Requests)
	}
	if got := counterSum(fams, live.MetricFailures, nil); got != float64(rep.Failures) {
		t.Errorf("%s = %.0f, report.json failures = %d", live.MetricFailures, got, rep.Failures)
	}
	for cr, rs := range rep.Regions {
		sel := map[string]string{"client_region": cr}
		if got := counterSum(fams, live.MetricRequests, sel); got != float64(rs.Requests) {
			t.Errorf("%s{client_region=%q} = %.0f, report.json = %d", live.MetricRequests, cr, got, rs.Requests)
		}
		if got := counterSum(fams, live.MetricFailures, sel); got != float64(rs.Failures) {
			t.Errorf("%s{client_region=%q} = %.0f, report.json = %d", live.MetricFailures, cr, got, rs.Failures)
		}
	}
	if rep.Failures == 0 {
		t.Error("no failure in a run with a region down: the comparison proves little")
	}
}

// checkMarkedRTO checks the marked fault's RTO for the us clients against
// the first probe transition of the us edge to eastus unhealthy (the
// platform's own record), with the tolerance of TestFailoverRTOAgainstProbeTruth
// in internal/runner: the early side one us arrival spacing (each arrival a
// 4-step journey), the late side the latency of the last failure.
func checkMarkedRTO(t *testing.T, dir string, rate float64, injected time.Time) {
	t.Helper()
	rep := readReport(t, dir)
	if len(rep.Faults) != 1 || rep.Faults[0].Name != "eastus-portal" || rep.Faults[0].Injector != live.Injector {
		t.Fatalf("report faults = %+v: want the marked eastus-portal", rep.Faults)
	}
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var detected time.Time
	for _, e := range run.Events {
		if e.Kind == results.EventProbe && e.Edge == "us" && e.Region == "eastus" && e.Healthy != nil && !*e.Healthy && e.Time.After(injected) {
			detected = e.Time
			break
		}
	}
	f := rep.Faults[0]
	us := f.RTOS.ByClientRegion["us"]
	if detected.IsZero() || us == nil {
		t.Fatalf("probe detection %v, us RTO %v: want both", detected, us)
	}
	truth := detected.Sub(injected).Seconds()
	var lastLat float64
	end := injected.Add(time.Duration(*us*float64(time.Second)) + time.Millisecond)
	for _, fl := range run.Failures {
		if fl.ClientRegion == "us" && !fl.Time.After(end) {
			lastLat = fl.Time.Sub(fl.Intended).Seconds()
		}
	}
	early := max(1/(rate/2/4), 0.050)
	late := max(0.050, lastLat+0.005)
	if d := *us - truth; d < -early || d > late {
		t.Errorf("marked fault: us RTO = %.3f s, probe detection %.3f s after injection: off by %+.3f s (allowed -%.3f…+%.3f s)", *us, truth, d, early, late)
	}
	// The RPO read-back ran for the marked fault as for slocheck's own:
	// eastus acknowledged orders before and while it was marked down.
	if f.AckedWrites == 0 || f.ReadWrites+f.UnreadWrites == 0 {
		t.Errorf("marked fault: %d acknowledged writes, %d read, %d unread: want its writes read back", f.AckedWrites, f.ReadWrites, f.UnreadWrites)
	}
	t.Logf("marked fault: us RTO %.3f s, probe truth %.3f s; writes acked %d, read %d, lost %d, late %d, rpo %v",
		*us, truth, f.AckedWrites, f.ReadWrites, f.LostWrites, f.LateWrites, f.RPOS)
}

// abortRun starts an exec-fault run against a loopback shop with the control
// API on addr and waits until the fault is injected.
func abortRun(t *testing.T, addr string, env map[string]string) (*bgRun, live.Control, string) {
	t.Helper()
	marks := t.TempDir()
	inject, heal := "touch "+filepath.Join(marks, "injected"), "touch "+filepath.Join(marks, "healed")
	args := execRunArgs(shopTarget(t).URL, marks, "", inject, heal, "40s", "1s", "35s")
	args = args[:len(args)-2] // startRun sets --out
	r := startRun(t, env, append(args, "--metrics-addr", addr)...)
	ctl := r.control(t)
	waitFile(t, filepath.Join(marks, "injected"), 30*time.Second)
	return r, ctl, marks
}

// checkAborted checks that an aborted run healed, kept its results, wrote
// its reports and exited 130.
func checkAborted(t *testing.T, r *bgRun, marks string) {
	t.Helper()
	if code := r.wait(t); code != 130 {
		t.Fatalf("aborted run: exit %d, want 130:\n%s", code, r.out)
	}
	if _, err := os.Stat(filepath.Join(marks, "healed")); err != nil {
		t.Errorf("the heal command never ran: %v", err)
	}
	rep := readReport(t, r.dir)
	if rep.ExitCode != 130 || rep.Requests == 0 {
		t.Errorf("report.json: exit_code %d, requests %d: want 130 and the requests kept", rep.ExitCode, rep.Requests)
	}
	run, err := results.ReadFile(filepath.Join(r.dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var healed, aborted bool
	for _, e := range run.Events {
		healed = healed || e.Kind == results.EventFaultHealed
		aborted = aborted || (e.Kind == results.EventAbort && strings.Contains(e.Detail, "control API"))
	}
	if !healed || !aborted || run.Trailer == nil || run.Trailer.Reason != "interrupted" {
		t.Errorf("stream: healed %v, abort event %v, trailer %+v: want both and \"interrupted\"", healed, aborted, run.Trailer)
	}
	if _, err := os.Stat(filepath.Join(r.dir, live.ControlFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind after the run: %v", live.ControlFile, err)
	}
}

// TestAbortThroughControlAPI aborts a run mid-fault with POST /abort.
func TestAbortThroughControlAPI(t *testing.T) {
	r, ctl, marks := abortRun(t, "127.0.0.1:0", nil)
	resp, err := http.Post(ctl.URL+"/abort", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /abort: %d", resp.StatusCode)
	}
	checkAborted(t, r, marks)
}

// TestAbortCommandOffLoopbackNeedsToken listens on every interface (off
// loopback, so the run needs a token), and checks that requests without the
// token get 401 and change nothing, and that `slocheck abort DIR` with it
// stops the run mid-fault.
func TestAbortCommandOffLoopbackNeedsToken(t *testing.T) {
	const token = "game-day-token"
	if code, out := slocheckEnv(nil, "run", "--metrics-addr", "0.0.0.0:0", "--out", t.TempDir()); code != 2 || !strings.Contains(out, live.TokenEnv) {
		t.Fatalf("off loopback without a token: exit %d, want 2 naming %s:\n%s", code, live.TokenEnv, out)
	}
	if code, out := slocheckEnv(nil, "run", "--metrics-addr", "127.0.0.1:0", "--live-refresh", "1ms", "--out", t.TempDir()); code != 2 || !strings.Contains(out, "--live-refresh") {
		t.Fatalf("--live-refresh 1ms: exit %d, want 2:\n%s", code, out)
	}
	r, ctl, marks := abortRun(t, "0.0.0.0:0", map[string]string{live.TokenEnv: token})
	if !ctl.TokenRequired {
		t.Fatal("control.json does not say a token is required")
	}
	if code, out := slocheckEnv(nil, "abort", r.dir); code != 2 || !strings.Contains(out, "401") {
		t.Fatalf("slocheck abort without the token: exit %d, want 2 (401):\n%s", code, out)
	}
	if code, out := slocheckEnv(nil, "mark", r.dir, "--fault", "x", "--phase", "injected", "--region", "eastus"); code != 2 || !strings.Contains(out, "401") {
		t.Fatalf("slocheck mark without the token: exit %d, want 2 (401):\n%s", code, out)
	}
	if req, _ := http.NewRequest(http.MethodGet, ctl.Metrics, nil); true {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET /metrics without the token: %d, want 401", resp.StatusCode)
		}
	}
	select {
	case code := <-r.done:
		t.Fatalf("the run ended (exit %d) after requests without the token:\n%s", code, r.out)
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := os.Stat(filepath.Join(marks, "healed")); err == nil {
		t.Fatal("the fault was healed after requests without the token")
	}
	scrape(t, ctl.Metrics, token) // with it, the metrics answer
	if code, out := slocheckEnv(map[string]string{live.TokenEnv: token}, "abort", r.dir); code != 0 {
		t.Fatalf("slocheck abort with the token: exit %d:\n%s", code, out)
	}
	checkAborted(t, r, marks)
}
