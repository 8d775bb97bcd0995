package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/cli"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// TestMain lets a test re-run this binary as slocheck itself, so that real
// signals reach a real process: a child started by startSlocheck runs
// cli.Run on SLOCHECK_TEST_ARGS with the signal handling of cmd/slocheck.
func TestMain(m *testing.M) {
	if args := os.Getenv("SLOCHECK_TEST_ARGS"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			panic(err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, argv, cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	code := m.Run()
	companiontest.Cleanup() // the slocheck-cloud the Cosmos DB tests built
	os.Exit(code)
}

// startSlocheck starts `slocheck args...` as a child process.
func startSlocheck(t *testing.T, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SLOCHECK_TEST_ARGS="+string(argv))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd, &out
}

// shopTarget is a plain loopback shop: every request answers at once, a
// checkout with an acknowledged order.
func shopTarget(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Served-By", "eastus")
		if r.URL.Path == "/checkout" {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":"o-%d","region":"eastus","acked":%q}`, time.Now().UnixNano(), time.Now().Format(time.RFC3339Nano))
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// execRunArgs runs against target with an exec fault whose commands leave
// marker files in dir.
func execRunArgs(target, dir, out string, inject, heal string, dur, at, faultFor string) []string {
	return []string{"run", "--quiet", "--target", target, "--rate", "50", "--duration", dur,
		"--fault-at", at, "--fault-for", faultFor, "--inject-cmd", inject, "--heal-cmd", heal, "--out", out}
}

func waitFile(t *testing.T, path string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within %s", path, within)
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func readReport(t *testing.T, dir string) slo.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r slo.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRunSignalMidFaultHeals sends SIGINT and SIGTERM to a run in the middle
// of its fault: the heal runs, the results are kept, and it exits 130.
func TestRunSignalMidFaultHeals(t *testing.T) {
	srv := shopTarget(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "run")
			injected, healed := filepath.Join(dir, "injected"), filepath.Join(dir, "healed")
			cmd, log := startSlocheck(t, execRunArgs(srv.URL, dir, out, "touch "+injected, "touch "+healed, "60s", "1s", "50s")...)
			waitFile(t, injected, 30*time.Second)
			time.Sleep(500 * time.Millisecond) // some traffic with the fault in place
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("exit: %v, want 130\n%s", err, log)
			}
			if got := printedExit(log.String()); got != 130 {
				t.Errorf("the console printed exit %d, the process exited 130:\n%s", got, log)
			}
			if !exists(healed) {
				t.Fatalf("the heal command did not run\n%s", log)
			}
			run, err := results.ReadFile(filepath.Join(out, results.FileName))
			if err != nil {
				t.Fatalf("results kept? %v", err)
			}
			if run.Trailer == nil || run.Trailer.Reason != "interrupted" || run.Trailer.Requests == 0 {
				t.Fatalf("trailer = %+v, want an interrupted run with requests", run.Trailer)
			}
			if r := readReport(t, out); r.Requests != run.Trailer.Requests {
				t.Errorf("report.json counts %d requests, the stream %d", r.Requests, run.Trailer.Requests)
			}
		})
	}
}

// TestHealDirAfterKill kills a run with SIGKILL mid-fault (nothing can heal
// then), and `slocheck heal DIR` heals what it left.
func TestHealDirAfterKill(t *testing.T) {
	srv := shopTarget(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	injected, healed := filepath.Join(dir, "injected"), filepath.Join(dir, "healed")
	cmd, _ := startSlocheck(t, execRunArgs(srv.URL, dir, out, "touch "+injected, "touch "+healed, "60s", "1s", "50s")...)
	waitFile(t, injected, 30*time.Second)
	// The fault is injected at 1 s; by 3.5 s the first intervals are flushed
	// (each is written once it ends plus the recorder's flush lag).
	time.Sleep(2500 * time.Millisecond)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if exists(healed) {
		t.Fatal("healed before the heal command ran")
	}
	code, stdout, stderr := runCLI(t, nil, "heal", out)
	if code != 0 || !exists(healed) {
		t.Fatalf("heal DIR: exit %d, healed %v\n%s%s", code, exists(healed), stdout, stderr)
	}
	if code, stdout, _ := runCLI(t, nil, "heal", out); code != 0 || !strings.Contains(strings.ToLower(stdout), "nothing") {
		t.Errorf("second heal DIR: exit %d, %q; want 0 and nothing to heal", code, stdout)
	}
	// What the killed run recorded is still readable.
	if run, err := results.ReadFile(filepath.Join(out, results.FileName)); run == nil || len(run.Intervals) == 0 {
		t.Errorf("stream of the killed run: %v", err)
	}
}

func TestRunBadInput(t *testing.T) {
	srv := shopTarget(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	dir := t.TempDir()
	marker := filepath.Join(dir, "injected")
	badScenario := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badScenario, []byte("name: bad\nload:\n  rate: 10\n  duratoin: 5s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string
		injected bool
	}{
		{"unknown scenario field", []string{"run", "--scenario", badScenario}, 2, "bad.yaml:4:3", false},
		{"negative rate", []string{"run", "--rate", "-5"}, 2, "rate", false},
		{"rate past makeslice", []string{"run", "--rate", "99999999999999999999999"}, 2, "flag --rate: load.rate: must be at most 200000 requests per second", false},
		{"rate 1e12", []string{"run", "--rate", "1e12"}, 2, "flag --rate: load.rate: must be at most 200000 requests per second", false},
		{"duration 100000h", []string{"run", "--duration", "100000h"}, 2, "flag --duration: load.duration: must be at most 24h0m0s", false},
		{"unreachable target", execRunArgs(closedURL, dir, filepath.Join(dir, "r1"), "touch "+marker, "true", "5s", "1s", "2s"), 3, "unreachable", false},
		{"inject fails", execRunArgs(srv.URL, dir, filepath.Join(dir, "r2"), "exit 7", "true", "5s", "1s", "2s"), 3, "inject", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if got := printedExit(stdout); got != -1 && got != code {
				t.Errorf("the console printed exit %d, the process exited %d:\n%s", got, code, stdout)
			}
			if exists(marker) != tc.injected {
				t.Errorf("injected = %v, want %v", exists(marker), tc.injected)
			}
		})
	}
}

// TestRunHealFails checks that a heal that fails is loud: an error naming it,
// a note in the report, and a non-zero exit.
func TestRunHealFails(t *testing.T) {
	srv := shopTarget(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	code, stdout, stderr := runCLI(t, nil, execRunArgs(srv.URL, dir, out, "true", "echo cannot heal >&2; exit 1", "4s", "1s", "2s")...)
	if code != 3 || !strings.Contains(stderr, "heal") {
		t.Fatalf("exit %d, stderr %q; want 3 and the heal failure", code, stderr)
	}
	if got := printedExit(stdout); got != 3 {
		t.Errorf("the console printed exit %d, the process exited 3:\n%s", got, stdout)
	}
	r := readReport(t, out)
	if r.Verdict != slo.Fail || !strings.Contains(strings.Join(r.Notes, "\n"), "heal") {
		t.Errorf("report verdict %s, notes %q: want FAIL with the heal failure", r.Verdict, r.Notes)
	}
}
