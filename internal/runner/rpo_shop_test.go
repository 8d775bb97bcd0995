//go:build linux

package runner

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The RPO truth test's shops are processes of their own: testdata/rposhop,
// built without the race detector (buildShop) so that they keep up with
// 2,000 checkouts a second whatever this binary is built with. A shop logs
// every write it acknowledges (its ack log) and every write it receives by
// replication (its replicated log): the truth of what a kill lost.

// shopEnv selects rposhop's mode: "serve" runs a shop until killed; "spawn"
// starts a serving one in its own session, waits until it answers, writes its
// pid file and exits (also the heal command of the test).
const shopEnv = "SLOCHECK_RPO_SHOP"

// buildShop builds testdata/rposhop into dir and returns its path.
func buildShop(t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "rposhop")
	cmd := exec.Command(goBin, "build", "-o", bin, "./testdata/rposhop")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the test shop: %v\n%s", err, out)
	}
	return bin
}

// spawnShop starts the shop c with rposhop's spawn mode, as the heal does.
func spawnShop(t *testing.T, bin string, c shopConfig) {
	t.Helper()
	if out, err := exec.Command("sh", "-c", c.command(bin)).CombinedOutput(); err != nil {
		t.Fatalf("spawn the %s shop: %v\n%s", c.Region, err, out)
	}
}

// shopConfig configures one shop process.
type shopConfig struct {
	Region  string        // the region it acknowledges writes as
	Addr    string        // host:port it listens on
	Peer    string        // base URL it replicates to; "" for none
	Lag     time.Duration // replication lag
	AckLog  string        // "id ack-unix-nanos" a line, one per acknowledged write
	ReplLog string        // "id" a line, one per write received from the peer
	PidFile string        // spawn writes the shop's pid here
	LogFile string        // the shop's stdout and stderr
}

func (c shopConfig) env(mode string) []string {
	return []string{shopEnv + "=" + mode, "SHOP_REGION=" + c.Region, "SHOP_ADDR=" + c.Addr, "SHOP_PEER=" + c.Peer,
		"SHOP_LAG=" + c.Lag.String(), "SHOP_ACKLOG=" + c.AckLog, "SHOP_REPLLOG=" + c.ReplLog,
		"SHOP_PIDFILE=" + c.PidFile, "SHOP_LOGFILE=" + c.LogFile}
}

// command is the shell command that spawns the shop (the heal command).
func (c shopConfig) command(bin string) string {
	var b strings.Builder
	for _, kv := range c.env("spawn") {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "%s='%s' ", k, v)
	}
	return b.String() + "exec '" + bin + "'"
}

// waitHealthy polls u until it answers 200, every 10 ms, for at most d.
func waitHealthy(u string, d time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(d)
	for {
		resp, err := client.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %s (last error %v)", u, d, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readAckLog reads an ack log: id -> ack time.
func readAckLog(path string) (map[string]time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]time.Time{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, ns, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			continue // a line cut by the kill
		}
		out[id] = time.Unix(0, n)
	}
	return out, sc.Err()
}

// readIDs reads a replicated log: the set of ids in it.
func readIDs(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, id := range strings.Fields(string(b)) {
		out[id] = true
	}
	return out, nil
}
