package chaos_test

import (
	"bufio"
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
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	_ "github.com/slocheck/slocheck/internal/chaos/builtin"
	"github.com/slocheck/slocheck/internal/chaos/execfault"
	"github.com/slocheck/slocheck/results"
)

// The child process: the test binary run again with childEnv set runs one
// fault through a Runner the way `slocheck run` does (signals cancel its
// context) instead of the tests.
const (
	childEnv    = "SLOCHECK_CHAOS_TEST_CHILD"
	childDirEnv = "SLOCHECK_CHAOS_TEST_DIR"
	childCmdEnv = "SLOCHECK_CHAOS_TEST_INJECT"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

// childSpec is the child's fault: the inject command creates fault-on, the
// heal command removes it and counts itself in heal-count.
func childSpec(injectCmd string) chaos.Spec {
	return chaos.Spec{Kind: chaos.KindExec, Name: "cut", Target: "eastus", Mode: "down", Exec: &chaos.ExecSpec{
		InjectCmd: injectCmd,
		HealCmd:   `rm -f "$SLOCHECK_RUN_DIR/fault-on" && echo healed >> "$SLOCHECK_RUN_DIR/heal-count" && echo heal-output`,
	}}
}

const touchFault = `touch "$SLOCHECK_RUN_DIR/fault-on"`

// childMain runs a one-minute fault and exits 130 when a signal cut it short
// (after healing), 0 when it ran out, 1 on error.
func childMain() int {
	dir := os.Getenv(childDirEnv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	events, err := os.OpenFile(filepath.Join(dir, "events.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer events.Close()
	enc := json.NewEncoder(events)
	sched := chaos.Schedule{{Spec: childSpec(os.Getenv(childCmdEnv)), For: time.Minute}}
	r, err := chaos.NewRunner(sched, chaos.Options{RunDir: dir, Emit: func(e results.Event) { _ = enc.Encode(e) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = r.HealAll(ctx) }()
	if err := r.Run(ctx, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if ctx.Err() != nil {
		return 130
	}
	return 0
}

// startChild starts the child on dir and waits until its fault reaches status.
func startChild(t *testing.T, dir, injectCmd string, status chaos.Status) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1", childDirEnv+"="+dir, childCmdEnv+"="+injectCmd)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("child stderr: %s", stderr.String())
		}
	})
	// A race-built test binary starts in well under a second; allow for a busy machine.
	waitFor(t, 20*time.Second, "the child's fault to be "+string(status), func() bool {
		st, err := chaos.ReadState(dir)
		return err == nil && len(st.Faults) == 1 && st.Faults[0].Status == status
	})
	return cmd
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func readEvents(t *testing.T, dir string) []results.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []results.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e results.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func TestSignalMidFaultHealsAndExitsCleanly(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := startChild(t, dir, touchFault, chaos.StatusActive)
			if !exists(filepath.Join(dir, "fault-on")) {
				t.Fatal("state says active but the inject command did not run")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waitDone := make(chan error, 1)
			go func() { waitDone <- cmd.Wait() }()
			select {
			case <-waitDone:
			case <-time.After(20 * time.Second): // the fault was planned to last a minute
				t.Fatal("the child did not exit after the signal")
			}
			if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || cmd.ProcessState.ExitCode() != 130 {
				t.Fatalf("child ended %v; want a clean exit 130", cmd.ProcessState)
			}
			if exists(filepath.Join(dir, "fault-on")) {
				t.Fatal("the fault is still in place")
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "heal-count")); string(b) != "healed\n" {
				t.Fatalf("heal ran %q; want once", b)
			}
			st, _ := chaos.ReadState(dir)
			if st.Faults[0].Status != chaos.StatusHealed {
				t.Fatalf("state %+v", st.Faults[0])
			}
			ev := readEvents(t, dir)
			if len(ev) != 2 || ev[0].Kind != results.EventFaultInjected || ev[1].Kind != results.EventFaultHealed || ev[1].Detail != "cancelled" {
				t.Fatalf("events %+v", ev)
			}
			if b, _ := os.ReadFile(execfault.OutputPath(dir, "cut", "heal", "stdout")); string(b) != "heal-output\n" {
				t.Errorf("heal output captured %q", b)
			}
		})
	}
}

func TestHealDirUndoesWhatAKilledRunLeft(t *testing.T) {
	dir := t.TempDir()
	cmd := startChild(t, dir, touchFault, chaos.StatusActive)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no defer runs, no heal
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !exists(filepath.Join(dir, "fault-on")) || exists(filepath.Join(dir, "heal-count")) {
		t.Fatal("the killed child healed, or never injected: nothing to test")
	}
	res, err := chaos.HealDir(context.Background(), dir, chaos.Env{}, fastHeal)
	if err != nil {
		t.Fatalf("HealDir: %v", err)
	}
	if len(res) != 1 || res[0].Spec.Name != "cut" || res[0].Before != chaos.StatusActive || res[0].Err != nil {
		t.Fatalf("HealDir results %+v", res)
	}
	if exists(filepath.Join(dir, "fault-on")) {
		t.Fatal("the fault is still in place after HealDir")
	}
	st, _ := chaos.ReadState(dir)
	if st.Faults[0].Status != chaos.StatusHealed || st.Faults[0].Healed.IsZero() {
		t.Fatalf("state %+v", st.Faults[0])
	}
	// Idempotent: a second heal finds nothing to do and runs no command.
	res, err = chaos.HealDir(context.Background(), dir, chaos.Env{}, fastHeal)
	if err != nil || len(res) != 0 {
		t.Fatalf("second HealDir: %+v, %v", res, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "heal-count")); string(b) != "healed\n" {
		t.Fatalf("heal ran %q; want once", b)
	}
}

func TestHealDirUndoesAFaultKilledMidInjection(t *testing.T) {
	// The inject command puts the fault in place, then hangs: the run is
	// killed before Inject returns. Only the state written before injecting
	// lets a later process undo it.
	dir := t.TempDir()
	inject := `echo $$ > "$SLOCHECK_RUN_DIR/inject.pid"; touch "$SLOCHECK_RUN_DIR/fault-on"; exec sleep 30`
	cmd := startChild(t, dir, inject, chaos.StatusInjecting)
	waitFor(t, 10*time.Second, "the inject command", func() bool { return exists(filepath.Join(dir, "fault-on")) })
	t.Cleanup(func() { killGroup(t, filepath.Join(dir, "inject.pid")) })
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	res, err := chaos.HealDir(context.Background(), dir, chaos.Env{}, fastHeal)
	if err != nil || len(res) != 1 || res[0].Before != chaos.StatusInjecting {
		t.Fatalf("HealDir: %+v, %v", res, err)
	}
	if exists(filepath.Join(dir, "fault-on")) {
		t.Fatal("the fault is still in place after HealDir")
	}
}

// killGroup kills the orphaned inject command's process group (its shell led
// it, so the pid is the group id).
func killGroup(t *testing.T, pidFile string) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

func writeState(t *testing.T, dir string, entries ...chaos.StateEntry) {
	t.Helper()
	b, err := json.Marshal(chaos.State{Schema: chaos.StateSchema, Faults: entries})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, chaos.StateFileName), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHealDirReportsWhatItCannotHeal(t *testing.T) {
	dir := t.TempDir()
	writeState(t, dir,
		chaos.StateEntry{Spec: chaos.Spec{Kind: "frontdoor-someday", Name: "unknown"}, Status: chaos.StatusActive},
		chaos.StateEntry{Spec: chaos.Spec{Kind: chaos.KindExec, Name: "failing", Exec: &chaos.ExecSpec{HealCmd: "echo no >&2; exit 4"}}, Status: chaos.StatusActive},
		chaos.StateEntry{Spec: chaos.Spec{Kind: chaos.KindInProcess, Name: "embedded"}, Status: chaos.StatusActive},
		chaos.StateEntry{Spec: chaos.Spec{Kind: chaos.KindExec, Name: "done", Exec: &chaos.ExecSpec{HealCmd: "exit 9"}}, Status: chaos.StatusHealed},
	)
	res, err := chaos.HealDir(context.Background(), dir, chaos.Env{}, fastHeal)
	if !errors.Is(err, chaos.ErrHealFailed) || !errors.Is(err, chaos.ErrUnknownKind) {
		t.Fatalf("HealDir error %v; want heal failures incl. the unknown kind", err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results, want 3 (the healed one skipped): %+v", len(res), res)
	}
	if res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "exit status 4") || res[2].Err != nil || !strings.Contains(res[2].Note, "in-process") {
		t.Fatalf("results %+v", res)
	}
	if b, _ := os.ReadFile(execfault.OutputPath(dir, "failing", "heal", "stderr")); strings.Count(string(b), "no\n") != fastHeal.Attempts {
		t.Errorf("heal stderr %q: want one line per attempt (%d)", b, fastHeal.Attempts)
	}
	st, _ := chaos.ReadState(dir)
	want := []chaos.Status{chaos.StatusHealFailed, chaos.StatusHealFailed, chaos.StatusHealed, chaos.StatusHealed}
	for i, f := range st.Faults {
		if f.Status != want[i] {
			t.Errorf("%s: %s, want %s", f.Spec.Name, f.Status, want[i])
		}
	}
}

func TestHealDirOnADirectoryWithoutFaults(t *testing.T) {
	res, err := chaos.HealDir(context.Background(), t.TempDir(), chaos.Env{}, fastHeal)
	if err != nil || len(res) != 0 {
		t.Fatalf("%+v, %v", res, err)
	}
	if _, err := chaos.HealDir(context.Background(), filepath.Join(t.TempDir(), "missing"), chaos.Env{}, fastHeal); err == nil {
		t.Fatal("a missing directory healed fine")
	}
}

func TestReadStateRejectsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, chaos.StateFileName), []byte(`{"schema":"other/v9","faults":[]}`), 0o644)
	if _, err := chaos.ReadState(dir); err == nil || !strings.Contains(err.Error(), "other/v9") {
		t.Fatalf("ReadState: %v", err)
	}
	os.WriteFile(filepath.Join(dir, chaos.StateFileName), []byte(`{"schema":`), 0o644)
	if _, err := chaos.ReadState(dir); err == nil {
		t.Fatal("a truncated state file read fine")
	}
}

func TestHealDirAndTheInProcessPlatform(t *testing.T) {
	var deletes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deletes = append(deletes, r.Method+" "+r.URL.Path)
		io.WriteString(w, `{"region":"eastus"}`)
	}))
	defer srv.Close()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	spec := func(name string) chaos.Spec {
		return chaos.Spec{Kind: chaos.KindPlatform, Name: name, Platform: &chaos.PlatformSpec{Admin: srv.URL, Region: "eastus", Mode: "down", InProcess: true}}
	}
	dir := t.TempDir()
	writeState(t, dir,
		chaos.StateEntry{Spec: spec("gone"), Status: chaos.StatusActive, PID: dead.Process.Pid},
		chaos.StateEntry{Spec: spec("alive"), Status: chaos.StatusActive, PID: os.Getpid()},
	)
	res, err := chaos.HealDir(context.Background(), dir, chaos.Env{}, fastHeal)
	if err != nil || len(res) != 2 {
		t.Fatalf("HealDir: %+v, %v", res, err)
	}
	// The platform of a dead process died with it: no request. A live one is healed.
	if !strings.Contains(res[0].Note, "in-process") || len(deletes) != 1 || deletes[0] != "DELETE /faults/eastus" || res[1].Note != "healed" {
		t.Fatalf("results %+v, requests %v", res, deletes)
	}
}
