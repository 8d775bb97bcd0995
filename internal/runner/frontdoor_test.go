//go:build linux

package runner

import (
	"bufio"
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
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
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
	if f.Healed == nil {
		t.Fatal("the fault was not healed")
	}
	sw := frontDoorSwitch{injected: f.Injected, detected: detected, spacing: spacing, timeout: s.Load.Timeout}
	_, lastToEast, okEast := fd.routed("eastus", before, *f.Healed)
	firstToWest, _, okWest := fd.routed("westeurope", before, *f.Healed)
	sw.lastToEast, sw.firstToWest = lastToEast, firstToWest
	if !okEast || !okWest {
		t.Fatalf("haproxy logged no request to eastus (%v) or westeurope (%v) during the fault; its log:\n%s", okEast, okWest, fd.logged())
	}
	checkFrontDoorRTO(t, run, sw, f.RTOS.ByClientRegion["us"], f.LastFailure)
	t.Logf("kill %.3f s after the injector began, haproxy DOWN %.3f s after the kill (checks every %v, timeout %v, fall %d)",
		after.Sub(before).Seconds(), detected.Sub(before).Seconds(), check.inter, check.timeout, check.fall)
}

// frontDoorSwitch is what HAProxy says of its switch from eastus to
// westeurope: when it marked eastus DOWN (detected), when the last request
// it sent to eastus and the first it sent to westeurope began (ms
// resolution).
type frontDoorSwitch struct {
	injected, detected      time.Time
	lastToEast, firstToWest time.Time
	spacing, timeout        time.Duration
}

// haproxyResolution bounds how much earlier than the truth a request's
// beginning in HAProxy's log can be: three terms (accept date, handshake,
// idle time), each cut to the millisecond.
const haproxyResolution = 3 * time.Millisecond

// checkFrontDoorRTO: the us RTO lies within the request spacing of HAProxy's
// detection. Below it also by the generator's own lateness there: a request
// intended just before the detection but sent after it went to westeurope
// and succeeded. That lateness is measured against HAProxy: the last request
// it sent to eastus is the last us failure, and the first it sent to
// westeurope the next arrival, one spacing later (one client region, one
// request per arrival: the arrival schedule is that grid); each began at
// HAProxy some time after its intended start. The stopped shop's requests
// must time out, so an RTO counted to the end of the last failure would lie
// a timeout later.
//
// Beside the RTO, the report's last failure is the outage as the slowest user
// saw it: the last request HAProxy sent to eastus ended the timeout after its
// intended start.
func checkFrontDoorRTO(t *testing.T, run *results.Run, sw frontDoorSwitch, rto *float64, lastEnd *time.Time) {
	t.Helper()
	truth := sw.detected.Sub(sw.injected)
	last, ok := lastFailure(run, "us", sw.injected)
	if !ok {
		t.Fatal("no us request failed: the stopped shop did not reach the users")
	}
	if last.Err != results.ErrTimeout || last.Time.Sub(last.Intended) < sw.timeout {
		t.Errorf("last us failure: %v after %v, want a timeout after %v: the stopped shop must accept and never answer", last.Err, last.Time.Sub(last.Intended), sw.timeout)
	}
	lagEast := sw.lastToEast.Sub(last.Intended) + haproxyResolution
	lagWest := sw.firstToWest.Sub(last.Intended.Add(sw.spacing)) + haproxyResolution
	if lagEast < 0 || lagWest < 0 {
		t.Fatalf("haproxy's last eastus and first westeurope requests began %v and %v before the last us failure's and the next arrival's intended starts: not the same requests",
			-lagEast, -lagWest)
	}
	lag := max(lagEast, lagWest)
	if lastEnd == nil || lastEnd.Sub(sw.lastToEast) < sw.timeout-lagEast {
		t.Errorf("last failure ended %v, haproxy sent its last request to eastus at %v, %v after its intended start: want the %v timeout after that start",
			lastEnd, sw.lastToEast, lagEast, sw.timeout)
	}
	// HAProxy stamps a log line with its event loop's clock, read before
	// the loop ran the check: a request it routed to eastus after that
	// stamp shows how much later the switch really was.
	late := max(0, sw.lastToEast.Sub(sw.detected))
	if rto == nil {
		t.Fatalf("us RTO: not recovered; haproxy detected %.3f s after the injection", truth.Seconds())
	}
	got := time.Duration(*rto * float64(time.Second))
	if got > truth+sw.spacing+late || got < truth-sw.spacing-lag {
		t.Errorf("us RTO = %.3f s, haproxy marked eastus DOWN %.3f s after the injection: want within the request spacing %v (%v below with the generator's lateness), not the detection plus the %v timeout",
			got.Seconds(), truth.Seconds(), sw.spacing, sw.spacing+lag, sw.timeout)
		logFailures(t, run, "us", sw.detected.Add(-time.Second))
	}
	t.Logf("RTO us %.3f s, haproxy detection %.3f s after the injection (its last eastus request %v after it), last failure intended %+.3f s from it, ended %.3f s after the injection; at haproxy it and the next arrival came up to %v and %v late; spacing %v",
		got.Seconds(), truth.Seconds(), sw.lastToEast.Sub(sw.detected), last.Intended.Sub(sw.detected).Seconds(), last.Time.Sub(sw.injected).Seconds(), lagEast, lagWest, sw.spacing)
}
