//go:build linux

package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// The loopback truth test of the RPO (issue 12, "Done when"): two shop
// processes (rpo_shop_test.go) with asynchronous replication from the primary
// (eastus) to the secondary (westeurope), HAProxy in front with the secondary
// as backup. 2,000 checkouts a second for 32 s, so more than 60,000
// acknowledged writes lie inside the read-back's lookback (then a tenth of
// that: the load is not what this test measures, and the read-back needs
// the CPU of this process, five times as much under the race detector); then an exec
// injector kills the primary with SIGKILL, and rpoFor later its heal starts
// it again, empty. The truth is the primary's ack log minus the secondary's
// replicated log.
const (
	rpoRate   = 2000.0
	rpoAt     = 32 * time.Second
	rpoLag    = 500 * time.Millisecond
	rpoFault  = "eastus-killed"
	rpoMinAck = 60_000
)

// rpoFor is how long the primary stays dead: long enough for the read-back to
// read 64,000 writes while this process also runs the load, at about 2,500
// reads a second here (25 s), or 1,200 under the race detector (60 s).
var rpoFor = func() time.Duration {
	if raceEnabled {
		return 60 * time.Second
	}
	return 25 * time.Second
}()

func TestRPOAgainstKilledPrimaryBehindHAProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("a 50 s run")
	}
	if _, err := exec.LookPath("haproxy"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("haproxy is not installed (apt-get install -y haproxy); CI must run this test")
		}
		t.Skip("haproxy not installed")
	}
	dir := t.TempDir()
	if d := os.Getenv("SLOCHECK_RPO_KEEP"); d != "" { // keep the logs to look at
		dir = d
	}
	bin := buildShop(t, dir)
	primary, secondary := shopPair(t, dir)
	front := freeLoopbackAddr(t)
	startHAProxy(t, dir, front, primary.Addr, secondary.Addr)
	for _, c := range []shopConfig{secondary, primary} {
		spawnShop(t, bin, c)
		t.Cleanup(func() { killPidFile(c.PidFile) })
	}
	if err := waitHealthy("http://"+front+"/health", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	restarted := primary
	restarted.AckLog, restarted.PidFile = filepath.Join(dir, "primary-2.acks"), filepath.Join(dir, "primary-2.pid")
	t.Cleanup(func() { killPidFile(restarted.PidFile) })
	inject := fmt.Sprintf("date +%%s%%N > '%s/inject.issued' && kill -KILL $(cat '%s')", dir, primary.PidFile)
	heal := fmt.Sprintf("date +%%s%%N > '%s/heal.started' && %s", dir, restarted.command(bin))
	s, err := scenario.Parse("rpo-haproxy.yaml", []byte(rpoScenario(front, secondary.Addr, inject, heal)))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	res, err := Run(context.Background(), s, Options{OutDir: out})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	run, err := results.ReadFile(filepath.Join(out, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	f := res.Eval.Report.Faults[0]
	checkHealOnTime(t, dir, run, f)
	checkLostAgainstTruth(t, run, f, primary, secondary, readStamp(t, filepath.Join(dir, "inject.issued")))
}

// checkLostAgainstTruth compares the report's lost writes and RPO with the
// shops' own logs.
func checkLostAgainstTruth(t *testing.T, run *results.Run, f slo.FaultSummary, primary, secondary shopConfig, issued time.Time) {
	t.Helper()
	acks, err := readAckLog(primary.AckLog)
	if err != nil {
		t.Fatal(err)
	}
	replicated, err := readIDs(secondary.ReplLog)
	if err != nil {
		t.Fatal(err)
	}
	var inLookback int
	clientAcked := map[string]bool{}
	for _, w := range run.Writes {
		if w.Region == "eastus" {
			clientAcked[w.ID] = true
			if w.Acked.Before(f.Injected) && !w.Acked.Before(f.Injected.Add(-readbackLookback)) {
				inLookback++
			}
		}
	}
	if inLookback < rpoMinAck {
		t.Errorf("%d writes acknowledged inside the lookback before the fault, want at least %d", inLookback, rpoMinAck)
	}
	truth := map[string]time.Time{}
	var oldest time.Time
	for id, at := range acks {
		if clientAcked[id] && !replicated[id] { // acknowledged to a client, never replicated: lost
			truth[id] = at
			if oldest.IsZero() || at.Before(oldest) {
				oldest = at
			}
		}
	}
	if len(truth) == 0 {
		t.Fatal("the kill lost nothing: with a 500 ms lag at 2,000 writes/s about 1,000 should be lost")
	}
	if f.UnreadWrites != 0 || f.LostWrites != uint64(len(truth)) || f.LateWrites != 0 {
		t.Errorf("unread %d, lost %d, late %d; the truth: %d lost (of %d candidates)", f.UnreadWrites, f.LostWrites, f.LateWrites, len(truth), f.AckedWrites)
	}
	for id := range lostIDs(run, rpoFault) {
		if _, ok := truth[id]; !ok {
			t.Errorf("write %s reported lost; the secondary has it", id)
		}
	}
	// By the definition (RPO = injection − the oldest lost ack), against
	// the shops' own ack times: exact but for float rounding, far within
	// the write spacing (0.5 ms at 2,000 writes/s).
	if want := f.Injected.Sub(oldest).Seconds(); f.RPOS == nil || *f.RPOS-want > 1e-6 || want-*f.RPOS > 1e-6 {
		t.Errorf("RPO %v s, want injection − oldest lost ack = %.6f s", deref(f.RPOS), want)
	}
	// Physically the primary died while the kill command ran, after its
	// `date` stamp (issued): the loss window the shops saw is [oldest lost
	// ack, issued + up to the kill's run time]; logged beside the RPO.
	truthRPO := issued.Sub(oldest)
	t.Logf("%d acknowledged in the lookback before the kill, %d candidates, %d read, %d absent, %d lost (truth %d), RPO %.4f s (the shops' loss window %.4f s + up to the kill's %v)",
		inLookback, f.AckedWrites, f.ReadWrites, f.AbsentWrites, f.LostWrites, len(truth), *f.RPOS, truthRPO.Seconds(), f.Injected.Sub(issued))
}

// checkHealOnTime checks that the fault lasted its `for`: the heal command
// started when planned (the read-back did not hold it) and the fault ended
// within the injector's own run time of `for`.
func checkHealOnTime(t *testing.T, dir string, run *results.Run, f slo.FaultSummary) {
	t.Helper()
	if f.Healed == nil {
		t.Fatal("the primary was never healed")
	}
	issued := readStamp(t, filepath.Join(dir, "inject.issued"))
	started := readStamp(t, filepath.Join(dir, "heal.started"))
	injectRun := f.Injected.Sub(issued)
	healRun := f.Healed.Sub(started)
	// The chaos runner heals at start + at + for: the heal command starts
	// then, later only by the timer's and sh's start-up latency (bounded
	// here at 250 ms; the read-back of 60,000 writes, were it waited for,
	// takes seconds).
	planned := run.Header.Started.Add(rpoAt + rpoFor)
	if late := started.Sub(planned); late < 0 || late > 250*time.Millisecond {
		t.Errorf("heal command started %v after its planned time (at + for), want at most 250 ms", late)
	}
	// At the other end the fault began when the inject command ended, up to
	// its run time (and the timer's lateness) after start + at.
	lasted := f.Healed.Sub(f.Injected)
	if short := planned.Sub(f.Injected); lasted < short || lasted > rpoFor+healRun+250*time.Millisecond {
		t.Errorf("the fault lasted %v; for %v, the heal command ran %v, the injection came %v after its planned time",
			lasted, rpoFor, healRun, f.Injected.Sub(run.Header.Started.Add(rpoAt)))
	}
	t.Logf("fault lasted %v (for %v; inject ran %v, heal %v)", lasted, rpoFor, injectRun, healRun)
}

func rpoScenario(front, secondary, inject, heal string) string {
	return fmt.Sprintf(`name: rpo-haproxy
description: two loopback shops behind haproxy, the primary killed
target:
  url: http://%s
  regions: [eastus, westeurope]
  readback_url: http://%s/orders/{id}
  served_by_header: X-Served-By
  check_url: /health
load:
  rate: %g
  ramp:
    - {duration: %s, rate: %g}
    - {duration: 1s, rate: %g}
  duration: %s
  timeout: 2s
  client_regions: {us: 1}
  journeys:
    - {name: buy, weight: 1, steps: [checkout]}
faults:
  - name: %s
    at: %s
    for: %s
    injector: exec
    region: eastus
    exec:
      inject: %q
      heal: %q
      timeout: 10s
`, front, secondary, rpoRate, rpoAt, rpoRate, rpoRate/10, rpoAt+rpoFor+5*time.Second, rpoFault, rpoAt, rpoFor, inject, heal)
}

// shopPair configures the primary (eastus, replicating to the secondary
// after rpoLag) and the secondary (westeurope).
func shopPair(t *testing.T, dir string) (primary, secondary shopConfig) {
	secondary = shopConfig{Region: "westeurope", Addr: freeLoopbackAddr(t), AckLog: filepath.Join(dir, "secondary.acks"),
		ReplLog: filepath.Join(dir, "secondary.replicated"), PidFile: filepath.Join(dir, "secondary.pid"), LogFile: filepath.Join(dir, "secondary.log")}
	primary = shopConfig{Region: "eastus", Addr: freeLoopbackAddr(t), Peer: "http://" + secondary.Addr, Lag: rpoLag,
		AckLog: filepath.Join(dir, "primary.acks"), ReplLog: filepath.Join(dir, "primary.replicated"),
		PidFile: filepath.Join(dir, "primary.pid"), LogFile: filepath.Join(dir, "primary.log")}
	return primary, secondary
}

// startHAProxy runs haproxy in the foreground with the primary as server and
// the secondary as backup, health-checked every 100 ms.
func startHAProxy(t *testing.T, dir, front, primary, secondary string) {
	t.Helper()
	cfg := fmt.Sprintf(`defaults
  mode http
  timeout connect 500ms
  timeout client 10s
  timeout server 10s
  retries 2
  option redispatch
frontend door
  bind %s
  default_backend shops
backend shops
  option httpchk GET /health
  timeout check 5s
  server eastus %s check inter 100ms fall 2 rise 2
  server westeurope %s check inter 100ms backup
`, front, primary, secondary)
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, "haproxy.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("haproxy", "-db", "-f", path)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log.Close()
	})
}

func killPidFile(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// readStamp reads a `date +%s%N` file.
func readStamp(t *testing.T, path string) time.Time {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return time.Unix(0, n)
}
