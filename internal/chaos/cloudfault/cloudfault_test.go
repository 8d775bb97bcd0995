package cloudfault_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/buildinfo"
	"github.com/slocheck/slocheck/internal/chaos"
	_ "github.com/slocheck/slocheck/internal/chaos/builtin" // registers the proxies
	"github.com/slocheck/slocheck/internal/companion"
)

// script is a stand-in companion for the proxy's own rules (the real one is
// tested end to end in cmd/slocheck-cloud): it answers `version` with the
// version in its directory's file "version", and each action with the file
// answer.<action> and the exit code in code.<action> (default: an empty
// answer, exit 0), logging the action to "calls" and its request to
// req.<action>.
const script = `#!/bin/sh
d=$(dirname "$0")
case "$1" in
version) echo "slocheck-cloud $(cat "$d/version") linux/amd64 go1";;
*)
  cat > "$d/req.$1"
  echo "$1" >> "$d/calls"
  [ -f "$d/sleep" ] && sleep "$(cat "$d/sleep")"
  if [ -f "$d/answer.$1" ]; then cat "$d/answer.$1"; else echo '{}'; fi
  exit "$(cat "$d/code.$1" 2>/dev/null || echo 0)";;
esac
`

// standIn writes the stand-in into a new directory, with files (name to
// content) beside it, and returns its path.
func standIn(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, companion.Program)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	files["version"] = buildinfo.String()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func calls(t *testing.T, path string) string {
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "calls"))
	return strings.Join(strings.Fields(string(b)), " ")
}

var spec = chaos.Spec{Kind: chaos.KindFrontDoor, Name: "fd", FrontDoor: &chaos.FrontDoorSpec{SubscriptionID: "s"}}

func env(path string) chaos.Env {
	return chaos.Env{Getenv: func(k string) string {
		if k == companion.EnvVar {
			return path
		}
		return ""
	}}
}

func TestLocate(t *testing.T) {
	sysPath := os.Getenv("PATH") // the stand-in needs sh, cat and dirname
	t.Setenv("PATH", t.TempDir())
	none := func(string) string { return "" }
	if _, err := companion.Locate("the aks injector", none); !errors.Is(err, companion.ErrNoCompanion) ||
		!strings.Contains(err.Error(), "the aks injector") || !strings.Contains(err.Error(), "slocheck-cloud") {
		t.Errorf("no companion anywhere: %v", err)
	}
	inPath := standIn(t, map[string]string{})
	t.Setenv("PATH", filepath.Dir(inPath)+string(os.PathListSeparator)+sysPath)
	if got, err := companion.Locate("the aks injector", none); err != nil || got != inPath {
		t.Errorf("in PATH: %q, %v; want %s", got, err, inPath)
	}
	named := standIn(t, map[string]string{})
	if got, err := companion.Locate("the aks injector", env(named).Lookup); err != nil || got != named {
		t.Errorf("$SLOCHECK_CLOUD: %q, %v; want %s", got, err, named)
	}
	if _, err := companion.Locate("the aks injector", env(filepath.Join(t.TempDir(), "nope")).Lookup); !errors.Is(err, companion.ErrNoCompanion) ||
		!strings.Contains(err.Error(), "$SLOCHECK_CLOUD=") {
		t.Errorf("$SLOCHECK_CLOUD naming nothing: %v", err)
	}
	other := standIn(t, map[string]string{})
	if err := os.WriteFile(filepath.Join(filepath.Dir(other), "version"), []byte("v0.0.1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := companion.Locate("the cosmos injector", env(other).Lookup); !errors.Is(err, companion.ErrOtherBuild) || !strings.Contains(err.Error(), "v0.0.1") {
		t.Errorf("a companion of another build: %v", err)
	}
}

func TestBuildChecksTheSpecInTheCompanion(t *testing.T) {
	path := standIn(t, map[string]string{"answer.check": `{"error":"frontdoor fault: profile is empty"}`, "code.check": "2"})
	if _, err := chaos.Build(spec, env(path)); err == nil || !strings.Contains(err.Error(), "profile is empty") {
		t.Errorf("Build: %v, want the companion's check error", err)
	}
	if got := calls(t, path); got != "check" {
		t.Errorf("calls %q", got)
	}
	req, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "req.check"))
	if !strings.Contains(string(req), `"subscription_id":"s"`) || !strings.Contains(string(req), `"version":"`+buildinfo.String()+`"`) {
		t.Errorf("request %s", req)
	}
}

func TestInjectAndHeal(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	path := standIn(t, map[string]string{"answer.inject": `{"fault":{"issued":"2026-12-07T09:59:59Z","injected":"2026-12-07T10:00:00Z","undo":"enable it"}}`})
	inj := build(t, path)
	f, err := inj.Inject(context.Background())
	if err != nil || !f.Injected.Equal(at) || f.Undo != "enable it" {
		t.Fatalf("Inject: %+v, %v", f, err)
	}
	if err := inj.Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := calls(t, path); got != "check inject heal" {
		t.Errorf("calls %q", got)
	}
}

func build(t *testing.T, path string) chaos.Injector {
	t.Helper()
	inj, err := chaos.Build(spec, env(path))
	if err != nil {
		t.Fatal(err)
	}
	return inj
}

// TestRefusedTargetIsNotHealed: a target someone else faulted is refused by
// the injector, and the heal leaves it alone, as in-process.
func TestRefusedTargetIsNotHealed(t *testing.T) {
	path := standIn(t, map[string]string{"answer.inject": `{"error":"origin already disabled","refused":true,"already_faulted":true}`, "code.inject": "1"})
	inj := build(t, path)
	if _, err := inj.Inject(context.Background()); err == nil || !strings.Contains(err.Error(), "origin already disabled") {
		t.Fatalf("Inject: %v", err)
	}
	if err := inj.Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := calls(t, path); got != "check inject" {
		t.Errorf("calls %q: the heal ran the companion", got)
	}
}

// TestSecondInjectOfOurFault: once this fault injected, a target found
// already faulted is this fault's own, and a second Inject answers it.
func TestSecondInjectOfOurFault(t *testing.T) {
	path := standIn(t, map[string]string{"answer.inject": `{"fault":{"issued":"2026-12-07T09:59:59Z","injected":"2026-12-07T10:00:00Z","undo":"enable it"}}`})
	inj := build(t, path)
	first, err := inj.Inject(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	refused := `{"error":"origin already disabled","refused":true,"already_faulted":true}`
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "answer.inject"), []byte(refused), 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := inj.Inject(context.Background())
	if err != nil || !second.Injected.Equal(first.Injected) || second.Undo != first.Undo {
		t.Fatalf("second Inject: %+v, %v; want the first's %+v", second, err, first)
	}
	if err := inj.Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := calls(t, path); got != "check inject inject heal" {
		t.Errorf("calls %q", got)
	}
}

func TestFailureCarriesTheCompanionsError(t *testing.T) {
	path := standIn(t, map[string]string{"answer.heal": `{"error":"frontdoor: set origin: 503"}`, "code.heal": "1"})
	dir := t.TempDir()
	e := env(path)
	e.RunDir = dir
	inj, err := chaos.Build(spec, e)
	if err != nil {
		t.Fatal(err)
	}
	if err := inj.Heal(context.Background()); err == nil || !strings.Contains(err.Error(), "set origin: 503") {
		t.Errorf("Heal: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "chaos", "fd.heal.stdout")); err != nil || !strings.Contains(string(b), "503") {
		t.Errorf("the answer is not kept in the run directory: %q, %v", b, err)
	}
}

// TestCancelKillsTheCompanion: a companion that hangs is killed with its
// process group when the context ends (a sleep of 30 s would otherwise hold
// Inject; the kill takes milliseconds, seconds on a loaded machine).
func TestCancelKillsTheCompanion(t *testing.T) {
	path := standIn(t, map[string]string{})
	inj := build(t, path)
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "sleep"), []byte("30"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := inj.Inject(ctx)
	if err == nil || !strings.Contains(err.Error(), "process group killed") {
		t.Fatalf("Inject: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Inject returned after %s: the companion was not killed", took)
	}
}
