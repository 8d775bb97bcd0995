package execfault_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/execfault"
	"github.com/slocheck/slocheck/results"
)

func newExec(t *testing.T, dir string, spec chaos.ExecSpec) *execfault.Exec {
	t.Helper()
	e, err := execfault.New("cut eastus", spec, chaos.Env{RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInjectAndHealRunTheirCommands(t *testing.T) {
	dir := t.TempDir()
	e := newExec(t, dir, chaos.ExecSpec{
		InjectCmd: `echo "$SLOCHECK_FAULT/$SLOCHECK_ACTION" > "$SLOCHECK_RUN_DIR/fault-on"; echo injecting; echo warn >&2`,
		HealCmd:   `rm "$SLOCHECK_RUN_DIR/fault-on" && echo "$SLOCHECK_ACTION"`,
	})
	before := time.Now()
	f, err := e.Inject(context.Background())
	if err != nil {
		t.Fatalf("Inject: %v", err)
	}
	if got := read(t, filepath.Join(dir, "fault-on")); got != "cut eastus/inject\n" {
		t.Fatalf("inject command saw %q", got)
	}
	if f.Issued.Before(before) || f.Injected.Before(f.Issued) || time.Since(f.Injected) < 0 || !strings.Contains(f.Undo, "rm ") {
		t.Fatalf("fault %+v", f)
	}
	if err := e.Heal(context.Background()); err != nil {
		t.Fatalf("Heal: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "fault-on")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("heal command did not run")
	}
	for path, want := range map[string]string{
		execfault.OutputPath(dir, "cut eastus", "inject", "stdout"): "injecting\n",
		execfault.OutputPath(dir, "cut eastus", "inject", "stderr"): "warn\n",
		execfault.OutputPath(dir, "cut eastus", "heal", "stdout"):   "heal\n",
	} {
		if got := read(t, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}

func TestFailingCommandIsAnErrorNamingItsOutput(t *testing.T) {
	dir := t.TempDir()
	e := newExec(t, dir, chaos.ExecSpec{InjectCmd: "echo no route >&2; exit 3", HealCmd: "exit 5"})
	_, err := e.Inject(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "inject.stderr") {
		t.Fatalf("Inject: %v", err)
	}
	if got := read(t, execfault.OutputPath(dir, "cut eastus", "inject", "stderr")); got != "no route\n" {
		t.Errorf("stderr %q", got)
	}
	if err := e.Heal(context.Background()); err == nil || !strings.Contains(err.Error(), "exit status 5") {
		t.Fatalf("Heal: %v", err)
	}
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses: "pid (comm) S …".
	s := string(b)
	return !strings.HasPrefix(s[strings.LastIndexByte(s, ')')+1:], " Z")
}

// hungFor is how long the test commands hang when nothing kills them. A
// kill and a wait take milliseconds (seconds when spawning a process on a
// loaded machine); anything near hungFor means the kill did not work.
const hungFor = 30 * time.Second

func TestTimeoutKillsAHungCommand(t *testing.T) {
	const timeout = 200 * time.Millisecond
	e := newExec(t, t.TempDir(), chaos.ExecSpec{InjectCmd: "sleep 30", HealCmd: "true", Timeout: results.Duration(timeout)})
	start := time.Now()
	_, err := e.Inject(context.Background())
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "timed out after 200ms (process group killed)") {
		t.Fatalf("Inject: %v; want a timeout error", err)
	}
	if took < timeout || took > hungFor/3 {
		t.Fatalf("Inject returned after %s, want just after the %s timeout", took, timeout)
	}
}

func TestCancelKillsTheWholeProcessGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	dir := t.TempDir()
	// The shell starts a grandchild, then hangs itself: both must die.
	e := newExec(t, dir, chaos.ExecSpec{
		InjectCmd: `sleep 30 & echo $! > "$SLOCHECK_RUN_DIR/bg.tmp"; mv "$SLOCHECK_RUN_DIR/bg.tmp" "$SLOCHECK_RUN_DIR/bg.pid"; sleep 30`,
		HealCmd:   "true",
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pidFile := filepath.Join(dir, "bg.pid")
	go func() { // cancel once the grandchild exists (bounded: 20 s)
		for i := 0; i < 2000; i++ {
			if _, err := os.Stat(pidFile); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err := e.Inject(ctx)
	if err == nil || !strings.Contains(err.Error(), "process group killed") {
		t.Fatalf("Inject: %v; want it killed", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(read(t, pidFile)))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > hungFor/3 {
		t.Fatalf("Inject returned after %s: the shell waited for its sleep", took)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d survived the kill", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWithoutRunDirOutputGoesToTheWriters(t *testing.T) {
	var out, errb bytes.Buffer
	e, err := execfault.New("f", chaos.ExecSpec{InjectCmd: "echo hi; echo oops >&2", HealCmd: "true"}, chaos.Env{Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hi\n" || errb.String() != "oops\n" {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}
}

func TestSpecChecks(t *testing.T) {
	if _, err := execfault.New("f", chaos.ExecSpec{InjectCmd: "true", HealCmd: "  "}, chaos.Env{}); err == nil {
		t.Error("a fault without a heal command was accepted")
	}
	heal, err := execfault.New("f", chaos.ExecSpec{HealCmd: "true"}, chaos.Env{})
	if err != nil {
		t.Fatalf("a heal-only command pair: %v", err)
	}
	if _, err := heal.Inject(context.Background()); err == nil {
		t.Error("Inject without an inject command succeeded")
	}
	inj, err := chaos.Build(chaos.Spec{Kind: chaos.KindExec, Name: "f", Exec: &chaos.ExecSpec{HealCmd: "true"}}, chaos.Env{})
	if _, ok := inj.(*execfault.Exec); !ok || err != nil {
		t.Fatalf("Build: %T, %v", inj, err)
	}
	if _, err := chaos.Build(chaos.Spec{Kind: chaos.KindExec, Name: "f"}, chaos.Env{}); err == nil {
		t.Error("Build without an exec configuration succeeded")
	}
}
