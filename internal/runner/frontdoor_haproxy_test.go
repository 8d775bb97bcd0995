//go:build linux

package runner

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

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
// with westeurope as backup, in one thread. It logs to stdout server state
// changes with microsecond ISO timestamps and every request with the
// instant it began (accept date + handshake + idle, ms) and its server;
// abortonclose ends (and logs) a request its client gave up on.
const haproxyConfig = `global
  log stdout format iso local0
  nbthread 1
defaults
  mode http
  log global
  option abortonclose
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check %dms
frontend fe_us
  bind %s
  log-format "request %%Ts.%%ms %%Th %%Ti %%s %%HU %%ST"
  default_backend be_us
backend be_us
  option httpchk GET /health
  http-check expect status 200
  default-server inter %dms fastinter %dms downinter %dms fall %d rise %d
  server eastus %s check
  server westeurope %s check backup
`

// haproxyFrontDoor is a running HAProxy and what it logged.
type haproxyFrontDoor struct {
	url string
	mu  sync.Mutex
	log []haproxyLine
	req []haproxyRequest
}

// haproxyLine is one line of HAProxy's log at its own timestamp.
type haproxyLine struct {
	at  time.Time
	msg string
}

// haproxyRequest is one request as HAProxy logged it: when it began (ms
// resolution) and the server it went to.
type haproxyRequest struct {
	began        time.Time
	server, path string
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
		if rq, ok := parseHAProxyRequest(msg); ok {
			fd.req = append(fd.req, rq)
		} else {
			fd.log = append(fd.log, haproxyLine{at: at, msg: msg})
		}
		fd.mu.Unlock()
	}
}

// parseHAProxyRequest parses "request 1796177037.689 0 0 eastus /catalog 200":
// the accept date (s.ms), handshake and idle times (ms), server, path.
func parseHAProxyRequest(msg string) (haproxyRequest, bool) {
	f := strings.Fields(msg)
	if len(f) < 6 || f[0] != "request" {
		return haproxyRequest{}, false
	}
	sec, ms, ok := strings.Cut(f[1], ".")
	s, err1 := strconv.ParseInt(sec, 10, 64)
	m, err2 := strconv.ParseInt(ms, 10, 64)
	th, err3 := strconv.ParseInt(f[2], 10, 64)
	ti, err4 := strconv.ParseInt(f[3], 10, 64)
	if !ok || err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return haproxyRequest{}, false
	}
	began := time.Unix(s, (m+max(th, 0)+max(ti, 0))*int64(time.Millisecond))
	return haproxyRequest{began: began, server: f[4], path: f[5]}, true
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

// routed is the earliest and the latest beginning of a request (not a
// /health check) HAProxy sent to server within [from, to).
func (fd *haproxyFrontDoor) routed(server string, from, to time.Time) (first, last time.Time, ok bool) {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	for _, r := range fd.req {
		if r.server != server || r.path == "/health" || r.began.Before(from) || !r.began.Before(to) {
			continue
		}
		if !ok || r.began.Before(first) {
			first = r.began
		}
		if !ok || r.began.After(last) {
			last = r.began
		}
		ok = true
	}
	return first, last, ok
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
