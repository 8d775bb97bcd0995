package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/slocheck/slocheck/internal/auth/authtest"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/cosmos/cosmostest"
	"github.com/slocheck/slocheck/results"
)

// bearerShop answers every request and logs the Authorization it carried.
type bearerShop struct {
	mu     sync.Mutex
	bearer []string
	at     []time.Time
}

func (s *bearerShop) serve(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.bearer, s.at = append(s.bearer, r.Header.Get("Authorization")), append(s.at, time.Now())
		s.mu.Unlock()
		w.Header().Set("X-Served-By", "eastus")
		_, _ = w.Write([]byte(`{"products":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// dataRun writes a scenario with target.auth (bearer_scope) and
// target.cosmos with a lag probe on the emulator, and starts the real
// slocheck (the companion beside it) with the managed identity endpoint's
// environment and the emulator's key.
func dataRun(t *testing.T, em *cosmostest.Emulator, mi *authtest.Endpoint, shopURL string, dur time.Duration) (*exec.Cmd, string, *strings.Builder) {
	t.Helper()
	dir := companiontest.Build(t, "slocheck", "slocheck-cloud")
	scen := filepath.Join(t.TempDir(), "data.yaml")
	yaml := fmt.Sprintf(`name: token-and-cosmos-through-the-companion
target:
  url: %s
  regions: [eastus, westeurope]
  auth: {bearer_scope: "api://shop/.default"}
  cosmos: {endpoint: %q, database: shop, container: orders, probe_container: lag-probe, key_env: EMULATOR_KEY, ca_file: %q}
lag_probe: {interval: 250ms, poll: 20ms, ttl: 1m}
load:
  rate: 20
  duration: %s
  timeout: 2s
  client_regions: {us: 1}
  journeys:
    - {name: browse, weight: 1, steps: [browse]}
`, shopURL, em.Endpoint, em.CAFile, dur)
	if err := os.WriteFile(scen, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	cmd := command(filepath.Join(dir, "slocheck"), "run", "--scenario", scen, "--out", out, "--quiet")
	for k, v := range mi.Env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "EMULATOR_KEY="+em.Key)
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out, &output
}

func dataEmulator(t *testing.T) *cosmostest.Emulator {
	em := cosmostest.Start(t)
	em.CreateContainer(t, "shop", "orders", "/id")
	em.CreateContainer(t, "shop", "lag-probe", "/id")
	return em
}

// markers counts the lag markers each region wrote, as the emulator holds
// them.
func markers(t *testing.T, em *cosmostest.Emulator) map[string]int {
	t.Helper()
	ct, err := em.AccountClient(t).NewContainer("shop", "lag-probe")
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	pager := ct.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			var m struct{ Kind, Region string }
			if json.Unmarshal(item, &m) == nil && m.Kind == "lag-marker" {
				n[m.Region]++
			}
		}
	}
	return n
}

// TestRunTokenAndCosmosThroughTheCompanion runs the real slocheck with
// target.auth and target.cosmos's lag probe. Its bearer tokens come from
// slocheck-cloud token (azidentity's default chain, from a loopback managed
// identity endpoint whose tokens live 2 s); its markers are written and read
// through slocheck-cloud cosmos on the in-process emulator. The truths: the
// shop's log (every request carried a token the endpoint issued, refreshed
// before expiry) and the emulator's documents (every lag sample's marker is
// there).
func TestRunTokenAndCosmosThroughTheCompanion(t *testing.T) {
	em := dataEmulator(t)
	mi := authtest.Start(t, 2*time.Second, "s3cr3t")
	shop := &bearerShop{}
	cmd, out, output := dataRun(t, em, mi, shop.serve(t), 3*time.Second)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code == 2 || code == 3 || (err != nil && code < 0) {
		t.Fatalf("slocheck run: exit %d %v\n%s", code, err, output)
	}
	issued := map[string]authtest.Issued{}
	for _, is := range mi.Issued() {
		issued["Bearer "+is.Token] = is
	}
	shop.mu.Lock()
	carried := map[string]int{}
	for i, b := range shop.bearer {
		is, ok := issued[b]
		switch {
		case !ok:
			t.Errorf("request %d carried %q: not a token the endpoint issued", i, b)
		case shop.at[i].After(is.Expires):
			t.Errorf("request %d carried %s after its expiry", i, is.Token)
		}
		carried[b]++
	}
	n := len(shop.bearer)
	shop.mu.Unlock()
	if n < 40 || len(carried) < 2 {
		t.Errorf("%d requests carried %d distinct tokens: want a 3 s run to need a refresh", n, len(carried))
	}
	run, err := results.ReadFile(filepath.Join(out, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string]int{}
	for _, l := range run.Lags {
		if l.Lost {
			t.Errorf("marker of %s written %s lost: the emulator has one copy, seen at once", l.From, l.Written)
		}
		samples[l.From]++
	}
	held := markers(t, em)
	for _, r := range []string{"eastus", "westeurope"} {
		if samples[r] < 4 || held[r] < samples[r] {
			t.Errorf("%s: %d lag samples, the emulator holds %d of its markers: want at least 4, each sample's marker held", r, samples[r], held[r])
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, "cosmos.stderr")); err != nil || strings.Contains(string(b), em.Key) {
		t.Errorf("cosmos.stderr: %v (holds the key: %v)", err, err == nil && strings.Contains(string(b), em.Key))
	}
	t.Logf("%d requests, tokens carried %d; lag samples %v, markers held %v", n, len(carried), samples, held)
}

// TestRunReportsACompanionCrash kills slocheck-cloud cosmos in the middle of
// a run with target.cosmos: the run ends in its time (no hang) with exit 3
// naming the companion, and its reports are written.
func TestRunReportsACompanionCrash(t *testing.T) {
	em := dataEmulator(t)
	mi := authtest.Start(t, time.Minute, "s3cr3t")
	shop := &bearerShop{}
	begun := time.Now()
	cmd, out, output := dataRun(t, em, mi, shop.serve(t), 4*time.Second)
	var pids []int
	for deadline := time.Now().Add(30 * time.Second); len(pids) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		pids = companiontest.Children(cmd.Process.Pid, companion.Program, "cosmos")
	}
	if len(pids) != 1 {
		t.Fatalf("slocheck-cloud children of slocheck: %v, want the cosmos one", pids)
	}
	time.Sleep(time.Second)
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("slocheck did not end within 2 min of the crash (began %s ago)\n%s", time.Since(begun), output)
	}
	t.Logf("slocheck after the crash:\n%s", output)
	if code := cmd.ProcessState.ExitCode(); code != 3 || !strings.Contains(output.String(), "slocheck-cloud cosmos exited while serving") {
		t.Errorf("exit %d, output:\n%s", code, output)
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err != nil {
		t.Errorf("no report after the crash: %v", err)
	}
	// The lag probe's writes failed because the companion died, not because
	// a region refused them: its note must not blame the region.
	run, err := results.ReadFile(filepath.Join(out, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range run.Events {
		if strings.HasPrefix(e.Detail, "lag probe:") && strings.Contains(e.Detail, "marker writes") &&
			!strings.Contains(e.Detail, "slocheck-cloud cosmos exited") {
			t.Errorf("the lag probe's note blames the region for the companion's crash: %q", e.Detail)
		}
	}
}
