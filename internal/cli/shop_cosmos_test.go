package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/cosmos/cosmostest"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// TestShopOnCosmosReadBack runs `slocheck shop` on the in-process Cosmos DB
// emulator and `slocheck run` against it, both reaching it through the real
// companion (slocheck-cloud cosmos, built for the test), with a fault that kills nothing
// (exec `true`): every order the eastus shop acknowledged is read back
// through target.cosmos, directly from the container through the client
// pinned to westeurope. The emulator has one region only (it ignores
// preferred regions), so both clients read the one copy: nothing may be
// lost or late, and every candidate must be read. Then no file of the run,
// nor anything either command printed, may hold the emulator's key.
//
// Emulator gaps worked around: the partition key is ignored (documents carry
// their id as partition key, so a point read is right on a real account
// too); no query is sent (single quotes and integer comparisons are broken
// there); TTL is ignored.
func TestShopOnCosmosReadBack(t *testing.T) {
	em := cosmostest.Start(t)
	em.CreateContainer(t, "shop", "orders", "/id")
	cloud := filepath.Join(companiontest.Build(t, companion.Program), companion.Program)
	env := map[string]string{envCosmosKey: em.Key, "EMULATOR_KEY": em.Key, companion.EnvVar: cloud}
	shopOut, shopErr, stop := platformRunBackground(t, []string{"shop", "--region", "eastus", "--listen", "127.0.0.1:0", "--no-service-time",
		"--cosmos-endpoint", em.Endpoint, "--cosmos-database", "shop", "--cosmos-container", "orders", "--cosmos-ca", em.CAFile}, env)
	urlRE := regexp.MustCompile(`listening on (http://\S+)`)
	platformEventually(t, 10*time.Second, "shop prints its URL", func() bool { return urlRE.MatchString(shopOut.String()) })
	shopURL := urlRE.FindStringSubmatch(shopOut.String())[1]
	if resp, body := platformTestGet(t, "GET", shopURL+"/health", ""); resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"cosmosdb","status":"ok"`) {
		t.Fatalf("health: %d %s", resp.StatusCode, body)
	}

	if resp, _ := platformTestGet(t, "GET", shopURL+"/livez", ""); resp.StatusCode != 200 {
		t.Fatalf("livez: %d", resp.StatusCode)
	}
	dir := t.TempDir()
	scen := writeFile(t, dir, "cosmos.yaml", fmt.Sprintf(`name: cosmos-readback
target:
  url: %s
  regions: [eastus, westeurope]
  cosmos: {endpoint: %q, database: shop, container: orders, key_env: EMULATOR_KEY, ca_file: %q}
load: {rate: 80, duration: 5s, client_regions: {us: 1}}
faults:
  - {name: nothing-killed, at: 1500ms, for: 2s, region: eastus, injector: exec, exec: {inject: "true", heal: "true"}}
`, shopURL, em.Endpoint, em.CAFile))
	out := filepath.Join(dir, "run")
	runOut, runErr, wait := platformRunBackground(t, []string{"run", "--quiet", "--scenario", scen, "--out", out}, env)
	platformEventually(t, 60*time.Second, "the run writes report.json", func() bool {
		_, err := os.Stat(filepath.Join(out, "report.json"))
		return err == nil
	})
	wait()
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r slo.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Faults) != 1 {
		t.Fatalf("faults %+v: want one", r.Faults)
	}
	rpo := r.Faults[0]
	if rpo.AckedWrites < 50 || rpo.LostWrites != 0 || rpo.LateWrites != 0 || rpo.UnreadWrites != 0 || rpo.AbsentWrites != 0 || rpo.ReadWrites == 0 {
		t.Fatalf("rpo: %d acknowledged, %d read during the fault, %d absent, %d unread, %d lost, %d late: want every order read, none absent, lost or late",
			rpo.AckedWrites, rpo.ReadWrites, rpo.AbsentWrites, rpo.UnreadWrites, rpo.LostWrites, rpo.LateWrites)
	}
	// The stream's truth: every order the shop acknowledged up to the heal
	// was found in the container by a read through the westeurope client.
	run, err := results.ReadFile(filepath.Join(out, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, rb := range run.Readbacks {
		if rb.Found && rb.Region == "westeurope" {
			found[rb.ID] = true
		}
	}
	n := 0
	for _, w := range run.Writes {
		if !w.Acked.After(*rpo.Healed) {
			n++
			if !found[w.ID] {
				t.Errorf("order %s (acknowledged %s) was not found by the read-back", w.ID, w.Acked)
			}
		}
	}
	t.Logf("%d orders acknowledged by eastus up to the heal, %d read during the fault, the rest after the heal; %d absent, %d unread, %d lost, %d late",
		rpo.AckedWrites, rpo.ReadWrites, rpo.AbsentWrites, rpo.UnreadWrites, rpo.LostWrites, rpo.LateWrites)
	if uint64(n) != rpo.AckedWrites {
		t.Errorf("%d orders acknowledged up to the heal, the report counts %d candidates", n, rpo.AckedWrites)
	}
	stop()
	assertNoSecret(t, em.Key, dir, shopOut.String()+shopErr.String()+runOut.String()+runErr.String())
}

// assertNoSecret fails when secret, or a Cosmos DB authorization token
// signed with it (azcosmos's master-key header, type=master&ver=1.0&sig=…),
// or a connection string, appears in printed or in any file under dir.
func assertNoSecret(t *testing.T, secret, dir, printed string) {
	t.Helper()
	secrets := []string{secret, "type%3Dmaster", "type=master", "sig%3D", "AccountKey="}
	leaks := func(s string) string {
		for _, x := range secrets {
			if strings.Contains(s, x) {
				return x
			}
		}
		return ""
	}
	if x := leaks(printed); x != "" {
		t.Errorf("printed %q", x)
	}
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		if x := leaks(string(b)); x != "" {
			t.Errorf("%s holds %q", p, x)
		}
		return nil
	})
	if err != nil || n < 3 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}

// TestShopStopsWhenItsCompanionDies kills the shop's slocheck-cloud cosmos:
// the shop stops by itself, with exit 3 naming the companion, so that
// Kubernetes restarts it (its liveness probe, /livez, would not see it).
func TestShopStopsWhenItsCompanionDies(t *testing.T) {
	em := cosmostest.Start(t)
	em.CreateContainer(t, "shop", "orders", "/id")
	cloud := filepath.Join(companiontest.Build(t, companion.Program), companion.Program)
	env := map[string]string{envCosmosKey: em.Key, companion.EnvVar: cloud}
	var out, errOut platformTestBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(context.Background(), []string{"shop", "--region", "eastus", "--listen", "127.0.0.1:0", "--no-service-time",
			"--cosmos-endpoint", em.Endpoint, "--cosmos-database", "shop", "--cosmos-container", "orders", "--cosmos-ca", em.CAFile},
			IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(k string) string { return env[k] }})
	}()
	platformEventually(t, 30*time.Second, "shop prints its URL", func() bool { return strings.Contains(out.String(), "listening on") })
	pids := companiontest.Children(os.Getpid(), companion.Program, "cosmos")
	if len(pids) != 1 {
		t.Fatalf("slocheck-cloud cosmos children: %v, want the shop's", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 3 || !strings.Contains(errOut.String(), "slocheck-cloud cosmos exited while serving") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
		}
	case <-time.After(60 * time.Second): // the shutdown grace is 25 s by default; nothing is in flight
		t.Fatalf("the shop did not stop after its companion died\n%s", errOut.String())
	}
}
