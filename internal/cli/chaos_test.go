package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/cli"
	"github.com/slocheck/slocheck/internal/platform"
)

// runCLI runs slocheck in-process with env as its environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, cli.IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errb.String()
}

// startPlatform starts the real embedded platform on loopback, its admin API
// behind token when token is not "".
func startPlatform(t *testing.T, token string) *platform.Platform {
	t.Helper()
	cfg := platform.DefaultConfig()
	cfg.AdminToken = token
	p, err := platform.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestChaosInjectStatusHealAgainstTheEmbeddedPlatform(t *testing.T) {
	p := startPlatform(t, "s3cret-token")
	admin := p.Describe().Admin
	env := map[string]string{"ADMIN_TOKEN": "s3cret-token"}
	dir := t.TempDir()

	code, out, errs := runCLI(t, env, "chaos", "inject", "--admin", admin, "--token-env", "ADMIN_TOKEN",
		"--region", "eastus", "--mode", "errors", "--ratio", "0.25", "--state", dir)
	if code != 0 {
		t.Fatalf("inject: exit %d: %s", code, errs)
	}
	faults := p.Faults()
	if len(faults) != 1 || faults[0].Region != "eastus" || faults[0].Mode != platform.ModeErrors || *faults[0].Ratio != 0.25 {
		t.Fatalf("platform faults %+v", faults)
	}
	wantLine := "injected eastus-errors (platform: eastus errors) at " + faults[0].Injected.UTC().Format("2006-01-02T15:04:05.000Z07:00") + "\n"
	if !strings.HasPrefix(out, wantLine) {
		t.Fatalf("inject printed %q, want it to start %q (the platform's own instant)", out, wantLine)
	}
	if !strings.Contains(out, "heal it with: slocheck chaos heal --admin "+admin+" --region eastus --token-env ADMIN_TOKEN\n") ||
		!strings.Contains(out, "or: slocheck heal "+dir) {
		t.Errorf("inject does not say how to heal:\n%s", out)
	}
	b, _ := os.ReadFile(filepath.Join(dir, chaos.StateFileName))
	if strings.Contains(string(b), "s3cret-token") || !strings.Contains(string(b), `"token_env": "ADMIN_TOKEN"`) {
		t.Fatalf("faults.json holds the token or lacks its variable:\n%s", b)
	}

	code, out, errs = runCLI(t, env, "chaos", "status", "--admin", admin, "--token-env", "ADMIN_TOKEN")
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errs)
	}
	t.Logf("status:\n%s", out)
	for _, want := range []string{"eastus", "errors 25% since", "westeurope", "routing to"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, env, "chaos", "status", "--admin", admin, "--token-env", "ADMIN_TOKEN", "--json")
	var st struct {
		Faults []struct{ Region, Mode string } `json:"faults"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || len(st.Faults) != 1 || st.Faults[0].Mode != "errors" {
		t.Fatalf("status --json: exit %d, %q", code, out)
	}

	// Heal twice: idempotent.
	for range 2 {
		code, out, errs = runCLI(t, env, "chaos", "heal", "--admin", admin, "--token-env", "ADMIN_TOKEN", "--region", "eastus")
		if code != 0 || !strings.HasPrefix(out, "healed eastus (platform: eastus) at ") {
			t.Fatalf("heal: exit %d, %q %q", code, out, errs)
		}
	}
	if len(p.Faults()) != 0 {
		t.Fatalf("faults left %+v", p.Faults())
	}
	// Healed by hand, the recorded fault heals again harmlessly.
	if code, out, errs = runCLI(t, env, "heal", dir); code != 0 || !strings.Contains(out, "healed  eastus-errors (platform: eastus errors, was active): healed") {
		t.Fatalf("heal DIR: exit %d, %q %q", code, out, errs)
	}
}

func TestChaosAgainstThePlatformWithoutItsToken(t *testing.T) {
	p := startPlatform(t, "s3cret-token")
	code, _, errs := runCLI(t, nil, "chaos", "inject", "--admin", p.Describe().Admin, "--region", "eastus", "--mode", "down")
	if code != 3 || !strings.Contains(errs, "401") {
		t.Fatalf("exit %d, %q; want 3 and the API's 401", code, errs)
	}
	if len(p.Faults()) != 0 {
		t.Fatal("a fault was injected without the token")
	}
	code, _, errs = runCLI(t, nil, "chaos", "inject", "--admin", p.Describe().Admin, "--token-env", "UNSET", "--region", "eastus", "--mode", "down")
	if code != 2 || !strings.Contains(errs, "UNSET") {
		t.Fatalf("unset token variable: exit %d, %q", code, errs)
	}
	// Without --token-env, the platform's own variable serves, as for `platform serve`.
	env := map[string]string{"SLOCHECK_ADMIN_TOKEN": "s3cret-token"}
	dir := t.TempDir()
	code, out, errs := runCLI(t, env, "chaos", "inject", "--admin", p.Describe().Admin, "--region", "eastus", "--mode", "down", "--state", dir)
	if code != 0 || len(p.Faults()) != 1 || !strings.Contains(out, "--token-env SLOCHECK_ADMIN_TOKEN") {
		t.Fatalf("inject with SLOCHECK_ADMIN_TOKEN: exit %d, %q %q", code, out, errs)
	}
	if code, _, errs = runCLI(t, env, "heal", dir); code != 0 || len(p.Faults()) != 0 {
		t.Fatalf("heal DIR: exit %d, %q; faults %+v", code, errs, p.Faults())
	}
}

func TestChaosCommandPairWithStateThenHealDir(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "fault-on")
	code, out, errs := runCLI(t, nil, "chaos", "inject", "--inject-cmd", "touch "+marker, "--heal-cmd", "rm -f "+marker+"; echo healing",
		"--region", "eastus", "--mode", "blackhole", "--name", "net-cut", "--state", dir)
	if code != 0 {
		t.Fatalf("inject: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("the inject command did not run")
	}
	if !strings.HasPrefix(out, "injected net-cut (exec: eastus blackhole) at ") ||
		!strings.Contains(out, "heal it with: slocheck chaos heal --heal-cmd 'rm -f "+marker+"; echo healing'\n") {
		t.Fatalf("inject printed:\n%s", out)
	}
	code, out, errs = runCLI(t, nil, "heal", dir)
	if code != 0 || out != "healed  net-cut (exec: eastus blackhole, was active): healed\n" {
		t.Fatalf("heal DIR: exit %d, %q %q", code, out, errs)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatal("the fault is still in place")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "chaos", "net-cut.heal.stdout")); string(b) != "healing\n" {
		t.Errorf("heal output %q not captured in the directory", b)
	}
	code, out, _ = runCLI(t, nil, "heal", dir)
	if code != 0 || out != "nothing to heal in "+dir+": no fault is recorded unhealed\n" {
		t.Fatalf("second heal DIR: exit %d, %q", code, out)
	}
}

func TestChaosInjectFailureExitsThree(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI(t, nil, "chaos", "inject", "--inject-cmd", "echo denied >&2; exit 4", "--heal-cmd", "true", "--state", dir)
	if code != 3 || !strings.Contains(errs, "exit status 4") || !strings.Contains(errs, "Try: if it half-worked, undo it with: slocheck chaos heal --heal-cmd true") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	st, _ := chaos.ReadState(dir)
	if len(st.Faults) != 1 || st.Faults[0].Status != chaos.StatusInjectFailed {
		t.Fatalf("state %+v", st)
	}
	// The failed inject is recorded unhealed, so heal DIR still undoes it.
	if code, out, _ := runCLI(t, nil, "heal", dir); code != 0 || !strings.Contains(out, "was inject-failed") {
		t.Fatalf("heal DIR: exit %d, %q", code, out)
	}
}

func TestHealDirFailureIsLoudAndExitsThree(t *testing.T) {
	dir := t.TempDir()
	st := chaos.State{Schema: chaos.StateSchema, Faults: []chaos.StateEntry{{
		Spec:   chaos.Spec{Kind: chaos.KindExec, Name: "stuck", Exec: &chaos.ExecSpec{HealCmd: "echo locked >&2; exit 5"}},
		Status: chaos.StatusActive,
	}}}
	b, _ := json.Marshal(st)
	os.WriteFile(filepath.Join(dir, chaos.StateFileName), b, 0o644)
	start := time.Now()
	code, out, errs := runCLI(t, nil, "heal", dir)
	if code != 3 || !strings.HasPrefix(out, "FAILED  stuck (exec, was active):") || !strings.Contains(errs, "heal failed") || !strings.Contains(errs, "attempt 4") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
	// Four attempts with 250 ms, 500 ms and 1 s between them.
	if took := time.Since(start); took < 1750*time.Millisecond {
		t.Errorf("gave up after %s: the backoff did not run", took)
	}
	if got, _ := chaos.ReadState(dir); got.Faults[0].Status != chaos.StatusHealFailed {
		t.Fatalf("state %+v", got.Faults[0])
	}
}

func TestChaosUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"no injector":           {"chaos", "inject", "--region", "eastus"},
		"two injectors":         {"chaos", "inject", "--admin", "http://127.0.0.1:1", "--region", "e", "--mode", "down", "--inject-cmd", "true", "--heal-cmd", "true"},
		"no way back":           {"chaos", "inject", "--inject-cmd", "true"},
		"hook without heal":     {"chaos", "inject", "--inject-url", "http://127.0.0.1:1/on"},
		"platform without mode": {"chaos", "inject", "--admin", "http://127.0.0.1:1", "--region", "eastus"},
		"ratio out of range":    {"chaos", "inject", "--admin", "http://127.0.0.1:1", "--region", "eastus", "--mode", "errors", "--ratio", "1.5"},
		"ratio with commands":   {"chaos", "inject", "--inject-cmd", "true", "--heal-cmd", "true", "--ratio", "0.5"},
		"header with platform":  {"chaos", "heal", "--admin", "http://127.0.0.1:1", "--region", "eastus", "--header", "X-A: b"},
		"secret plain header":   {"chaos", "inject", "--inject-url", "http://127.0.0.1:1/a", "--heal-url", "http://127.0.0.1:1/b", "--header", "Authorization: Bearer x"},
		"malformed header":      {"chaos", "inject", "--inject-url", "http://127.0.0.1:1/a", "--heal-url", "http://127.0.0.1:1/b", "--header", "novalue"},
		"relative admin URL":    {"chaos", "heal", "--admin", "127.0.0.1:1", "--region", "eastus"},
		"status without admin":  {"chaos", "status"},
		"heal without dir":      {"heal"},
		"heal missing dir":      {"heal", filepath.Join(t.TempDir(), "missing")},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, errs := runCLI(t, nil, args...)
			if code != 2 || !strings.HasPrefix(errs, "Error: ") {
				t.Fatalf("exit %d, stderr %q; want exit 2 with an error", code, errs)
			}
		})
	}
}

func TestChaosStatusUnreachableExitsThree(t *testing.T) {
	p := startPlatform(t, "")
	admin := p.Describe().Admin
	p.Close()
	code, _, errs := runCLI(t, nil, "chaos", "status", "--admin", admin, "--timeout", "2s")
	// The port is closed, so the dial fails: refused, or reset when the
	// kernel still held a half-open connection of the closed listener.
	if code != 3 || !strings.Contains(errs, "platform state: ") || !strings.Contains(errs, "Try: is the platform running?") {
		t.Fatalf("exit %d, %q", code, errs)
	}
}
