package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/adminapi"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// Issue 15's shared run, as its users run it: `slocheck platform serve`,
// three generator processes and a conductor process of the real binary,
// then `slocheck merge`. The truths the merged report is held to are the
// platform's (its own count of what each edge received and answered 5xx,
// its probe transitions and injection instant) and the generators' own
// streams (their histograms added by this test: the same traffic as one
// process would have recorded it).

// processRate is the scenario's rate, requests per second over both client
// regions: the us edge gets half, journeys of four steps, so a us journey
// is due every 8/processRate s (40 ms).
const processRate = 200

// processScenario is default-failover shortened: probes 1 s apart detect a
// down eastus 1–2 s after the injection, so 5 s of outage leave 3 s of
// recovery, longer than the 2 s stability window that confirms RTO. The
// pre-run check asks the admin API, so that the
// edges see only the load; the timeout is long, so that an answer is never
// a timeout on a busy machine (the counts must be exact).
const processScenario = `name: shared-processes
target:
  edges: {us: %[1]s, eu: %[2]s}
  regions: [eastus, westeurope]
  check_url: "%[3]s/state"
  readback_url: "%[3]s/orders/{id}?region={region}"
  served_by_header: X-Served-By
load:
  rate: %[4]d
  duration: 10s
  timeout: 10s
  client_regions: {us: 1, eu: 1}
  journeys:
    - {name: shop, weight: 1, steps: [browse, product, cart, checkout]}
objectives: {stability_window: 2s}
faults:
  - name: eastus-down
    at: 3s
    for: 5s
    injector: http
    region: eastus
    mode: down
    http: {inject_url: "%[3]s/faults", inject_body: '{"region": "eastus", "mode": "down"}', heal_url: "%[3]s/faults/eastus", heal_method: DELETE}
`

// processRoles are the shared run's processes: us split in two segments
// over two generators, eu whole in a third, and the conductor.
var processRoles = []struct{ name, args string }{
	{"gen-us-0", "--role generator --client-region us --segment 0:1/2"},
	{"gen-us-1", "--role generator --client-region us --segment 1/2:1"},
	{"gen-eu", "--role generator --client-region eu"},
	{"conductor", "--role conductor"},
}

// TestSharedRunFromProcesses is issue 15's first done-when: three generator
// processes and a conductor against `slocheck platform serve`, merged by
// `slocheck merge`. Counts are exact, p99 per client region is the
// generators' own histograms' p99 to the histogram's precision, RTO per
// client region is the platform's probe transition within max(request
// spacing, 50 ms), and the merged run has one fault.
func TestSharedRunFromProcesses(t *testing.T) {
	bin := buildSlocheck(t)
	root := t.TempDir()
	plat, d := servePlatform(t, bin, root)
	scen := filepath.Join(root, "shared.yaml")
	if err := os.WriteFile(scen, []byte(fmt.Sprintf(processScenario, d.Edges["us"], d.Edges["eu"], d.Admin, processRate)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Far enough ahead for four processes to start on a busy machine.
	startAt := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	var procs []*child
	var dirs []string
	for _, r := range processRoles {
		dir := filepath.Join(root, r.name)
		args := append([]string{"run", "--quiet", "--scenario", scen, "--start-at", startAt, "--out", dir}, strings.Fields(r.args)...)
		procs, dirs = append(procs, startChild(t, bin, r.name, args...)), append(dirs, dir)
	}
	for _, p := range procs {
		if code := p.wait(t, time.Minute); code != 0 {
			t.Fatalf("%s exited %d, want 0 (its rig worked):\n%s", p.name, code, p.out)
		}
	}
	state, events := platformTruth(t, d.Admin)
	if code := plat.stop(t); code != 0 {
		t.Errorf("platform serve exited %d:\n%s", code, plat.out)
	}
	merged := filepath.Join(root, "merged")
	m := startChild(t, bin, "merge", append(append([]string{"merge"}, dirs...), "--out", merged, "--format", "json")...)
	code := m.wait(t, time.Minute)
	if !exists(filepath.Join(merged, "report.json")) {
		t.Fatalf("merge exited %d without a report:\n%s", code, m.out)
	}
	rep := readReport(t, merged)
	if code != rep.ExitCode || (code != 0 && code != 99) {
		t.Fatalf("merge exited %d, its report says %d; want its verdict's 0 or 99:\n%s", code, rep.ExitCode, m.out)
	}
	gens, others := readStreams(t, dirs[:3]), readStreams(t, []string{dirs[3], merged})
	checkCountsAgainstPlatform(t, &rep, gens, state)
	checkP99AgainstOneRecording(t, &rep, gens)
	checkRTOAgainstProbes(t, &rep, others[1], gens, others[0], events)
	t.Logf("merged: %d requests, verdict %s (exit %d)", rep.Requests, rep.Verdict, code)
}

// buildSlocheck builds cmd/slocheck without the race detector, whatever
// this test binary is built with (five processes on two busy cores must
// keep their schedule), and without DWARF (a quarter less link time).
func buildSlocheck(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "slocheck")
	if out, err := exec.Command(goBin, "build", "-ldflags=-w", "-o", bin, "github.com/slocheck/slocheck/cmd/slocheck").CombinedOutput(); err != nil {
		t.Fatalf("build slocheck: %v\n%s", err, out)
	}
	return bin
}

// child is one process of the binary under test.
type child struct {
	name   string
	cmd    *exec.Cmd
	out    *bytes.Buffer // stdout and stderr; read only once it has exited
	done   chan error    // Wait's result
	reaped bool          // done was received (by wait, on the test's goroutine)
}

func startChild(t *testing.T, bin, name string, args ...string) *child {
	t.Helper()
	c := &child{name: name, cmd: exec.Command(bin, args...), out: &bytes.Buffer{}, done: make(chan error, 1)}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		if !c.reaped {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// wait returns the process's exit code; past within it kills it and fails.
func (c *child) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-c.done:
		c.reaped = true
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("%s: %v", c.name, err)
		}
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		_ = c.cmd.Process.Kill()
		<-c.done
		c.reaped = true
		t.Fatalf("%s did not finish within %v:\n%s", c.name, within, c.out)
		return -1
	}
}

// stop sends SIGINT, as Ctrl-C, and returns the exit code.
func (c *child) stop(t *testing.T) int {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	return c.wait(t, 10*time.Second)
}

// servePlatform starts `slocheck platform serve` on loopback ports of its
// choosing and returns its description once it is listening.
func servePlatform(t *testing.T, bin, root string) (*child, platform.Description) {
	t.Helper()
	desc := filepath.Join(root, "platform.json")
	p := startChild(t, bin, "platform", "platform", "serve", "--listen", "127.0.0.1:0", "--describe", desc,
		"--probe-interval", "1s", "--probe-timeout", "500ms", "--seed", "15")
	var d platform.Description
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(desc); err == nil && json.Unmarshal(b, &d) == nil {
			return p, d
		}
		if time.Now().After(deadline) {
			t.Fatalf("platform serve wrote no description within 20 s:\n%s", p.out)
		}
	}
}

// platformTruth is the platform's own record: GET /state (what each edge
// received) and GET /events (its injections and probe transitions).
func platformTruth(t *testing.T, admin string) (adminapi.State, []results.Event) {
	t.Helper()
	c, err := adminapi.NewClient(admin, "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := c.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(c.Endpoint("/events"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var evs []results.Event
	if err := json.NewDecoder(resp.Body).Decode(&evs); err != nil {
		t.Fatalf("GET /events: %v", err)
	}
	return st, evs
}

func readStreams(t *testing.T, dirs []string) []*results.Run {
	t.Helper()
	var runs []*results.Run
	for _, dir := range dirs {
		run, err := results.ReadFile(filepath.Join(dir, results.FileName))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	return runs
}

// clientRegions are the processes' two client regions, each with the
// nearest region that the fault does (us) or does not (eu) take down.
var clientRegions = []string{"us", "eu"}

// tally is one client region's traffic summed over the generators' streams.
type tally struct {
	requests, failures, fivexx, unsent uint64
	latency                            *hdrhistogram.Histogram
}

func tallyOf(gens []*results.Run, cr string) tally {
	tl := tally{latency: results.NewLatencyHistogram()}
	for _, run := range gens {
		for i := range run.Intervals {
			iv := &run.Intervals[i]
			if iv.ClientRegion != cr {
				continue
			}
			tl.requests += iv.Requests()
			tl.failures += iv.Failures()
			tl.fivexx += iv.Counts[results.Err5xx]
			tl.unsent += iv.Counts[results.ErrDropped] + iv.Counts[results.ErrTemplate] + iv.Counts[results.ErrMissing]
			iv.AddLatencyTo(tl.latency)
		}
	}
	return tl
}

// checkCountsAgainstPlatform: per client region, the merged report's
// requests and failures are the generators' streams' sums; the requests
// they sent (all but those never sent) are what the platform's edge
// received, and their 5xx what it answered 5xx.
func checkCountsAgainstPlatform(t *testing.T, rep *slo.Report, gens []*results.Run, st adminapi.State) {
	t.Helper()
	for _, cr := range clientRegions {
		tl, got, edge := tallyOf(gens, cr), rep.Regions[cr], st.Edges[cr]
		if got.Requests != tl.requests || got.Failures != tl.failures || tl.requests == 0 {
			t.Errorf("%s: merged %d requests, %d failures; the generators' streams %d, %d", cr, got.Requests, got.Failures, tl.requests, tl.failures)
		}
		if sent := tl.requests - tl.unsent; edge.Requests != sent || edge.Failed != tl.fivexx || got.FailuresByKind["5xx"] != tl.fivexx {
			t.Errorf("%s edge received %d requests and answered %d with 5xx; the generators sent %d (%d never sent) and saw %d 5xx, merged %d 5xx (failures by kind %v)",
				cr, edge.Requests, edge.Failed, sent, tl.unsent, tl.fivexx, got.FailuresByKind["5xx"], got.FailuresByKind)
		}
	}
	if rep.Regions["us"].Failures == 0 {
		t.Error("us saw no failure: the fault did not take its nearest region down")
	}
	t.Logf("platform: us edge %d requests (%d 5xx), eu edge %d (%d)", st.Edges["us"].Requests, st.Edges["us"].Failed, st.Edges["eu"].Requests, st.Edges["eu"].Failed)
}

// checkP99AgainstOneRecording: per client region, the merged report's p99
// lies in the histogram bucket that holds the nearest-rank p99 of the
// generators' histograms added here, which is what one process recording
// all their traffic would hold (histograms add exactly).
func checkP99AgainstOneRecording(t *testing.T, rep *slo.Report, gens []*results.Run) {
	t.Helper()
	for _, cr := range clientRegions {
		h := tallyOf(gens, cr).latency
		from, to := nearestRankBucket(h, 99)
		got := rep.Regions[cr].P99S
		if got == nil {
			t.Errorf("%s: no p99 in the merged report", cr)
			continue
		}
		if us := int64(*got*1e6 + 0.5); us < from || us > to {
			t.Errorf("%s p99: merged %d µs; one recording of the generators' %d answers: %d–%d µs", cr, us, h.TotalCount(), from, to)
		}
	}
}

// nearestRankBucket is the [lowest, highest] equivalent values of the
// bucket holding the ⌈n·pct/100⌉-th smallest value.
func nearestRankBucket(h *hdrhistogram.Histogram, pct int64) (from, to int64) {
	rank := (h.TotalCount()*pct + 99) / 100
	var seen int64
	for _, b := range h.Distribution() {
		if seen += b.Count; b.Count > 0 && seen >= rank {
			return b.From, b.To
		}
	}
	return -1, -1
}

// checkRTOAgainstProbes: the merged run has one fault, injected at the
// platform's own instant (the conductor marks it when the admin API
// answers: within its "injection took"), and each client region's RTO is
// the platform's probe transition of that client region's edge within
// max(request spacing, 50 ms). The instant is the merged stream's:
// report.json shows instants to the millisecond.
func checkRTOAgainstProbes(t *testing.T, rep *slo.Report, merged *results.Run, gens []*results.Run, conductor *results.Run, evs []results.Event) {
	t.Helper()
	var injected []time.Time
	for _, e := range merged.Events {
		if e.Kind == results.EventFaultInjected {
			injected = append(injected, e.Time)
		}
	}
	if len(rep.Faults) != 1 || len(injected) != 1 || rep.Merge == nil || len(rep.Merge.Streams) != 4 {
		t.Fatalf("merged: %d faults in the report, %d injections in the stream, merge %+v; want one fault from four streams", len(rep.Faults), len(injected), rep.Merge)
	}
	f, at := rep.Faults[0], injected[0]
	platformAt, detected := platformInstants(evs, at)
	took := injectionTook(conductor)
	if d := at.Sub(platformAt); platformAt.IsZero() || d < 0 || d > took+time.Millisecond {
		t.Errorf("injected at %v by the merged stream, %v by the platform (%v apart); the conductor's injection took %v", at, platformAt, d, took)
	}
	if detected.IsZero() {
		t.Fatalf("the platform's us edge never marked eastus down after %v; events %+v", at, evs)
	}
	truth := detected.Sub(at)
	// Resolution: a us journey every 8/rate s, at least 50 ms. A request
	// due before the transition but sent after it succeeds, so the
	// generators' worst send lag then (their health records) is added on
	// the early side.
	res := max(time.Duration(8e9/processRate), 50*time.Millisecond)
	early := res + worstSendLag(gens, detected)
	us := f.RTOS.ByClientRegion["us"]
	if us == nil {
		t.Fatalf("us RTO: not recovered; the platform detected the fault %v after the injection", truth)
	}
	got := time.Duration(*us * float64(time.Second))
	if d := got - truth; d < -early || d > res {
		t.Errorf("us RTO %v, the platform's probe transition %v after the injection: %+v apart, allowed −%v…+%v", got, truth, d, early, res)
	}
	if eu := f.RTOS.ByClientRegion["eu"]; eu == nil || *eu != 0 {
		t.Errorf("eu RTO %v, want 0: its nearest region never failed", eu)
	}
	t.Logf("RTO us %v (probe truth %v, allowed −%v…+%v); injected %v after the platform's instant", got, truth, early, res, at.Sub(platformAt))
}

// platformInstants are the platform's eastus injection and the us edge's
// first transition of eastus to unhealthy after injected.
func platformInstants(evs []results.Event, injected time.Time) (at, detected time.Time) {
	for _, e := range evs {
		switch {
		case e.Kind == results.EventFaultInjected && e.Target == "eastus" && at.IsZero():
			at = e.Time
		case e.Kind == results.EventProbe && e.Edge == "us" && e.Region == "eastus" && e.Healthy != nil && !*e.Healthy &&
			e.Time.After(injected) && detected.IsZero():
			detected = e.Time
		}
	}
	return at, detected
}

// worstSendLag is the generators' largest send lag in the interval holding
// at and the one before.
func worstSendLag(gens []*results.Run, at time.Time) time.Duration {
	var worst time.Duration
	for _, run := range gens {
		for _, h := range run.Health {
			if !h.Start.After(at) && at.Sub(h.Start) < 2*run.Header.Interval.Std() {
				worst = max(worst, h.SendLagMax.Std())
			}
		}
	}
	return worst
}

// injectionTook is how long the conductor's injection call took, from its
// fault-injected event's detail ("injection took 1.2ms; ...").
func injectionTook(conductor *results.Run) time.Duration {
	for _, e := range conductor.Events {
		took, ok := strings.CutPrefix(e.Detail, "injection took ")
		if e.Kind != results.EventFaultInjected || !ok {
			continue
		}
		took, _, _ = strings.Cut(took, ";")
		if d, err := time.ParseDuration(took); err == nil {
			return d
		}
	}
	return 0 // none: the check of the injection instant fails, saying so
}
