//go:build linux

package runner

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/results"
	"github.com/slocheck/slocheck/internal/scenario"
)

// The front-door tests put HAProxy from Debian (`apt-get install haproxy`;
// .ci/run installs it) in front of loopback shops, as Azure Front Door sits
// in front of the regions: its active health checks decide when it stops
// routing to a dead origin, and its own log says when (the detection truth).

// envShopProcess makes the test binary a shop process (TestHelperShopProcess).
const envShopProcess = "SLOCHECK_TEST_SHOP_REGION"

// TestHelperShopProcess is not a test: startShopProcess runs the test binary
// with it as one region's shop, a process of its own that a fault can stop.
func TestHelperShopProcess(t *testing.T) {
	region := os.Getenv(envShopProcess)
	if region == "" {
		t.Skip("the front-door tests' shop process: runs only as their child")
	}
	shop, err := platform.NewShop(platform.ShopConfig{Region: region, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("listening %s\n", l.Addr())
	_ = http.Serve(l, shop) // until the parent kills the process
}

// shopProcess is one region's shop in a process of its own.
type shopProcess struct {
	pid  int
	addr string
}

// startShopProcess starts the region's shop as a child process (killed at
// the end of the test, or when the test process dies).
func startShopProcess(t *testing.T, region string) shopProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperShopProcess$")
	cmd.Env = append(os.Environ(), envShopProcess+"="+region)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		t.Fatalf("shop %s: %q, %v", region, line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return shopProcess{pid: cmd.Process.Pid, addr: addr}
}

// haproxyBinary is HAProxy on PATH: skipped without it, but a failure when
// CI=true (.ci/run installs it, so a missing one is a broken rig).
func haproxyBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no haproxy on PATH: .ci/run installs it (apt-get install haproxy)")
		}
		t.Skip("no haproxy on PATH: apt-get install haproxy")
	}
	return bin
}

// frontDoorCheck is HAProxy's active health check of each origin: every
// inter, a GET /health that must answer 200 within timeout; fall failures
// in a row mark an origin DOWN, rise successes UP again.
type frontDoorCheck struct {
	inter, timeout time.Duration
	fall, rise     int
}

// haproxyConfig is one frontend (the us clients' edge) routing to eastus,
// with westeurope as backup, in one thread, logging server state changes
// with microsecond ISO timestamps to stdout.
const haproxyConfig = `global
  log stdout format iso local0
  nbthread 1
defaults
  mode http
  log global
  option dontlog-normal
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check %dms
frontend fe_us
  bind %s
  default_backend be_us
backend be_us
  option httpchk GET /health
  http-check expect status 200
  default-server inter %dms fastinter %dms downinter %dms fall %d rise %d
  server eastus %s check
  server westeurope %s check backup
`

// haproxyFrontDoor is a running HAProxy and what it logged, each line
// parsed at its own timestamp.
type haproxyFrontDoor struct {
	url string
	mu  sync.Mutex
	log []haproxyLine
}

type haproxyLine struct {
	at  time.Time
	msg string
}

// startFrontDoor starts HAProxy in front of east and west with check and
// waits until its frontend serves from east.
func startFrontDoor(t *testing.T, bin string, east, west string, check frontDoorCheck) *haproxyFrontDoor {
	t.Helper()
	addr := freeLoopbackAddr(t)
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	cfg := fmt.Sprintf(haproxyConfig, ms(check.timeout), addr, ms(check.inter), ms(check.inter), ms(check.inter),
		check.fall, check.rise, east, west)
	file := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", file)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	fd := &haproxyFrontDoor{url: "http://" + addr}
	go fd.read(out)
	if err := waitServedBy(fd.url+"/health", "eastus", 10*time.Second); err != nil {
		t.Fatalf("haproxy does not serve eastus: %v\nconfig:\n%s\nstderr:\n%s", err, cfg, stderr.String())
	}
	return fd
}

// read keeps every log line HAProxy writes ("2026-12-02T01:30:27.847342+00:00 msg").
func (fd *haproxyFrontDoor) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		stamp, msg, ok := strings.Cut(sc.Text(), " ")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if !ok || err != nil {
			continue
		}
		fd.mu.Lock()
		fd.log = append(fd.log, haproxyLine{at: at, msg: msg})
		fd.mu.Unlock()
	}
}

// markedDown is the first instant after from at which HAProxy logged
// backend/server DOWN: the instant it stopped routing to it.
func (fd *haproxyFrontDoor) markedDown(server string, from time.Time) (time.Time, bool) {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	for _, l := range fd.log {
		if l.at.After(from) && strings.HasPrefix(l.msg, "Server "+server+" is DOWN") {
			return l.at, true
		}
	}
	return time.Time{}, false
}

func (fd *haproxyFrontDoor) logged() string {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	var b strings.Builder
	for _, l := range fd.log {
		fmt.Fprintf(&b, "%s %s\n", l.at.Format(time.RFC3339Nano), l.msg)
	}
	return b.String()
}

// freeLoopbackAddr is a loopback address that was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitServedBy waits until GET u answers 200 from region.
func waitServedBy(u, region string, within time.Duration) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: time.Second}
	last := "no answer"
	for time.Now().Before(deadline) {
		resp, err := client.Get(u)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && resp.Header.Get(platform.ServedByHeader) == region {
				return nil
			}
			last = fmt.Sprintf("%s from %q", resp.Status, resp.Header.Get(platform.ServedByHeader))
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s within %v: last %s", u, within, last)
}

// readKillLog reads the instants (Unix seconds, as `date +%s.%N` writes them)
// the fault's command logged around its kill.
func readKillLog(t *testing.T, file string) time.Time {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the kill's own log: %v", err)
	}
	sec, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		t.Fatalf("kill log %s: %v", file, err)
	}
	return time.Unix(0, int64(sec*1e9))
}

// sendLagAround is the generator's largest send lag (actual − intended
// send) it recorded in the intervals around at: a request intended that
// much before at may have reached the front door after it. 0 when the
// stream holds no health records.
func sendLagAround(run *results.Run, at time.Time) time.Duration {
	var lag time.Duration
	iv := run.Header.Interval.Std()
	for _, h := range run.Health {
		if !h.Start.Before(at.Add(-2*iv)) && h.Start.Before(at.Add(iv)) {
			lag = max(lag, h.SendLagMax.Std())
		}
	}
	return lag
}

// frontDoorScenario sends rate single-request journeys from the us clients
// through url for dur, and stops eastus's shop (SIGSTOP: its socket still
// accepts, nothing answers: a blackhole) from at for faultFor with an exec
// fault, whose command logs the instants around the kill into dir.
func frontDoorScenario(url string, eastPID int, dir string, rate float64, dur, at, faultFor time.Duration) string {
	return fmt.Sprintf(`name: haproxy-front-door
target:
  url: %s
  regions: [eastus, westeurope]
  served_by_header: X-Served-By
  check_url: /health
load:
  rate: %g
  duration: %s
  timeout: 2s
  client_regions: {us: 1}
  journeys:
    - {name: browse, weight: 1, steps: [browse]}
faults:
  - name: eastus-stopped
    at: %s
    for: %s
    region: eastus
    injector: exec
    exec:
      inject: "date +%%s.%%N > %s && kill -STOP %d && date +%%s.%%N > %s"
      heal: "kill -CONT %d"
      timeout: 5s
`, url, rate, dur, at, faultFor, filepath.Join(dir, "kill.before"), eastPID, filepath.Join(dir, "kill.after"), eastPID)
}

// TestFrontDoorRTOAgainstHAProxy runs traffic through HAProxy in front of
// two shop processes and stops the primary (eastus) mid-run with an exec
// fault. HAProxy's checks detect it; its log says when it marked eastus
// DOWN and so routed new requests to westeurope. The RTO (when a new request
// first succeeds again, stably) must lie within the request spacing of that
// instant, not at the detection plus the client timeout (the requests sent
// to the stopped shop before the detection time out 2 s later).
func TestFrontDoorRTOAgainstHAProxy(t *testing.T) {
	bin := haproxyBinary(t)
	const rate = 40.0 // one client region, one request per arrival: spacing 25 ms
	spacing := time.Duration(float64(time.Second) / rate)
	check := frontDoorCheck{inter: 200 * time.Millisecond, timeout: 200 * time.Millisecond, fall: 2, rise: 2}
	east, west := startShopProcess(t, "eastus"), startShopProcess(t, "westeurope")
	fd := startFrontDoor(t, bin, east.addr, west.addr, check)
	dir := t.TempDir()
	file := filepath.Join(dir, "front-door.yaml")
	yaml := frontDoorScenario(fd.url, east.pid, dir, rate, 14*time.Second, 3*time.Second, 8*time.Second)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), s, Options{OutDir: filepath.Join(dir, "run")})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	run, err := results.ReadFile(filepath.Join(dir, "run", results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Eval.Report
	if len(rep.Faults) != 1 {
		t.Fatalf("faults = %d, want 1", len(rep.Faults))
	}
	f := rep.Faults[0]
	before, after := readKillLog(t, filepath.Join(dir, "kill.before")), readKillLog(t, filepath.Join(dir, "kill.after"))
	if after.After(f.Injected) || before.After(after) {
		t.Errorf("kill logged from %v to %v, the injection instant %v: the injector's instant is not after its kill", before, after, f.Injected)
	}
	detected, ok := fd.markedDown("be_us/eastus", before)
	if !ok {
		t.Fatalf("haproxy never marked eastus DOWN after the kill at %v; its log:\n%s", before, fd.logged())
	}
	checkFrontDoorRTO(t, run, f.Injected, detected, f.RTOS.ByClientRegion["us"], spacing)
	// Beside the RTO, the outage as the slowest user saw it: the last
	// failure, sent just before the detection, ended a timeout later.
	timeout := s.Load.Timeout
	if lf := f.LastFailure; lf == nil || lf.Sub(detected) < timeout-spacing-sendLagAround(run, detected) {
		t.Errorf("last failure ended %v, haproxy detected at %v: want about the %v timeout after the detection", lf, detected, timeout)
	}
	t.Logf("kill %.3f s after the injector began, haproxy DOWN %.3f s after the kill (checks every %v, timeout %v, fall %d)",
		after.Sub(before).Seconds(), detected.Sub(before).Seconds(), check.inter, check.timeout, check.fall)
}

// checkFrontDoorRTO: the us RTO lies within the request spacing of HAProxy's
// detection (below it also by the generator's own send lag there: a request
// intended just before the detection but sent after it went to westeurope),
// and the stopped shop's requests did time out, so an RTO counted to the
// end of the last failure would lie a timeout later.
func checkFrontDoorRTO(t *testing.T, run *results.Run, injected, detected time.Time, rto *float64, spacing time.Duration) {
	t.Helper()
	truth := detected.Sub(injected)
	lag := sendLagAround(run, detected)
	timeout := run.Header.Targets.Timeout.Std()
	last, ok := lastFailure(run, "us", injected)
	if !ok {
		t.Fatal("no us request failed: the stopped shop did not reach the users")
	}
	if last.Err != results.ErrTimeout || last.Time.Sub(last.Intended) < timeout {
		t.Errorf("last us failure: %v after %v, want a timeout after %v: the stopped shop must accept and never answer", last.Err, last.Time.Sub(last.Intended), timeout)
	}
	if d := last.Intended.Sub(detected); d > spacing || d < -(spacing+lag) {
		t.Errorf("last failed us request intended %.3f s after haproxy's detection: want within %v (+ send lag %v) of it", d.Seconds(), spacing, lag)
	}
	if rto == nil {
		t.Fatalf("us RTO: not recovered; haproxy detected %.3f s after the injection", truth.Seconds())
	}
	got := time.Duration(*rto * float64(time.Second))
	if got > truth+spacing || got < truth-spacing-lag {
		t.Errorf("us RTO = %.3f s, haproxy marked eastus DOWN %.3f s after the injection: want within the request spacing %v (%v below with the send lag), not the detection plus the %v timeout",
			got.Seconds(), truth.Seconds(), spacing, spacing+lag, timeout)
		logFailures(t, run, "us", detected.Add(-time.Second))
	}
	t.Logf("RTO us %.3f s, haproxy detection %.3f s after the injection, last failure intended %+.3f s from it, ended %.3f s after the injection; spacing %v, send lag %v",
		got.Seconds(), truth.Seconds(), last.Intended.Sub(detected).Seconds(), last.Time.Sub(injected).Seconds(), spacing, lag)
}
