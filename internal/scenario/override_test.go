package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/scenarios"
)

// overrides builds Overrides from flag=value pairs through Set, as the run
// command does.
func overrides(t *testing.T, kv ...string) Overrides {
	t.Helper()
	var o Overrides
	for i := 0; i+1 < len(kv); i += 2 {
		if err := o.Set(kv[i], kv[i+1]); err != nil {
			t.Fatalf("Set(%q, %q): %v", kv[i], kv[i+1], err)
		}
	}
	return o
}

func TestOverrideDurationRevalidates(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	err = s.Apply(overrides(t, "duration", "30s"))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("Apply(--duration 30s) = %v, want one problem (the fault ends after the run)", err)
	}
	// The problem is located at the fault's "for:" key in the embedded file.
	data, _ := fs.ReadFile(scenarios.FS, "default-failover.yaml")
	line := 1 + strings.Count(string(data[:strings.Index(string(data), "\n    for: ")+1]), "\n")
	want := fmt.Sprintf("scenarios/default-failover.yaml:%d:5: faults[0].for: the fault ends at 40s, after the run ends (load.duration 30s, set by --duration; move the fault with --fault-at and --fault-for)", line)
	if got := errs[0].Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestOverrideProblemNamesFlag(t *testing.T) {
	s, _ := Default()
	err := s.Apply(overrides(t, "rate", "-3"))
	if err == nil || err.Error() != "flag --rate: load.rate: must be positive (requests per second), got -3" {
		t.Errorf("Apply(--rate -3) = %v", err)
	}
	s, _ = Default()
	err = s.Apply(overrides(t, "fault-mode", "dwn"))
	if err == nil || !strings.HasPrefix(err.Error(), `flag --fault-mode: faults[0].mode: unknown mode "dwn"`) {
		t.Errorf("Apply(--fault-mode dwn) = %v", err)
	}
}

func TestOverrideFault(t *testing.T) {
	s, _ := Default()
	o := overrides(t, "duration", "20s", "rate", "200", "fault-at", "5s", "fault-for", "8s", "fault-region", "westeurope", "fault-mode", "errors")
	if err := s.Apply(o); err != nil {
		t.Fatal(err)
	}
	f := s.Faults[0]
	if s.Load.Duration != 20*time.Second || s.Load.Rate != 200 || f.At != 5*time.Second || f.For != 8*time.Second ||
		f.Region != "westeurope" || f.Mode != ModeErrors {
		t.Errorf("after overrides: load %+v fault %+v", s.Load, f)
	}
	// The file names its fault, so the name stays; max_duration was derived
	// from for, so it follows the new for.
	if f.Name != "eastus-down" || f.MaxDuration != 8*time.Second {
		t.Errorf("name %q max_duration %s, want eastus-down and 8s", f.Name, f.MaxDuration)
	}
}

func TestOverrideExecOnTarget(t *testing.T) {
	s, _ := Default()
	o := overrides(t, "target", "http://127.0.0.1:8080", "inject-cmd", "touch down", "heal-cmd", "rm down",
		"duration", "10s", "fault-at", "2s", "fault-for", "6s")
	if err := s.Apply(o); err != nil {
		t.Fatal(err)
	}
	f := s.Faults[0]
	if s.Embedded() || s.Target.URL != "http://127.0.0.1:8080" || f.Injector != InjectorExec || f.Exec == nil ||
		f.Exec.Inject != "touch down" || f.Exec.Heal != "rm down" || f.Exec.Timeout != 30*time.Second || f.Mode != "exec" {
		t.Errorf("after overrides: target %+v fault %+v exec %+v", s.Target, f, f.Exec)
	}
}

func TestOverrideTargetNeedsInjector(t *testing.T) {
	s, _ := Default()
	err := s.Apply(overrides(t, "target", "http://127.0.0.1:8080"))
	if err == nil || !strings.Contains(err.Error(), "faults[0].injector: injector platform acts on the embedded platform") {
		t.Errorf("Apply(--target) on a platform fault = %v", err)
	}
}

func TestOverrideAddsFault(t *testing.T) {
	s, err := Builtin("release-gate")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(overrides(t, "fault-region", "eastus")); err == nil ||
		err.Error() != "flag --fault-region: the scenario has no fault: give --fault-at and --fault-for to add one" {
		t.Errorf("Apply(--fault-region) without a fault = %v", err)
	}
	s, _ = Builtin("release-gate")
	if err := s.Apply(overrides(t, "fault-at", "10s", "fault-for", "10s", "fault-mode", "blackhole")); err != nil {
		t.Fatal(err)
	}
	if f := s.Faults[0]; len(s.Faults) != 1 || f.Region != "eastus" || f.Mode != ModeBlackhole || f.Name != "eastus-blackhole" || f.Injector != InjectorPlatform {
		t.Errorf("added fault %+v", s.Faults)
	}
}

func TestOverrideRejects(t *testing.T) {
	s, _ := Default()
	if err := s.Apply(overrides(t, "inject-cmd", "x")); err == nil || !strings.Contains(err.Error(), "give --inject-cmd and --heal-cmd together") {
		t.Errorf("inject without heal: %v", err)
	}
	s = mustParse(t, "faults: [{at: 1s, for: 9s, region: eastus}, {at: 20s, for: 9s, region: eastus}]")
	if err := s.Apply(overrides(t, "fault-at", "3s")); err == nil || !strings.Contains(err.Error(), "the scenario has 2 faults") {
		t.Errorf("two faults: %v", err)
	}
	s, _ = Default()
	if err := s.Apply(overrides(t, "engine", "k6")); err == nil || !strings.Contains(err.Error(), "script: engine k6 needs a script") {
		t.Errorf("engine k6 without script: %v", err)
	}
	s, _ = Default()
	if err := s.Apply(overrides(t, "engine", "k6", "script", "bench/x.js")); err != nil || s.ScriptPath() != "bench/x.js" {
		t.Errorf("engine k6 with script: %v, path %q", err, s.ScriptPath())
	}
	var o Overrides
	for _, bad := range [][2]string{{"duration", "60"}, {"rate", "fast"}, {"rate", "NaN"}, {"fault-at", "x"}, {"out", "dir"}} {
		if err := o.Set(bad[0], bad[1]); err == nil {
			t.Errorf("Set(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// TestOverrideFlagsAllSettable checks that every name in OverrideFlags is
// one Set knows.
func TestOverrideFlagsAllSettable(t *testing.T) {
	values := map[string]string{"duration": "1s", "rate": "1", "fault-at": "1s", "fault-for": "1s"}
	for _, flag := range OverrideFlags {
		var o Overrides
		v, ok := values[flag]
		if !ok {
			v = "x"
		}
		if err := o.Set(flag, v); err != nil {
			t.Errorf("Set(%q): %v", flag, err)
		}
		if o == (Overrides{}) {
			t.Errorf("Set(%q) set nothing", flag)
		}
	}
}

// TestApplyOnBuiltScenario checks Apply on a Scenario made in code.
func TestApplyOnBuiltScenario(t *testing.T) {
	var s Scenario
	s.setDefaults()
	err := s.Apply(overrides(t, "rate", "10", "duration", "100s"))
	if err == nil || err.Error() != `name: "" is not a valid name (letters, digits, '.', '_', '-')` {
		t.Errorf("Apply without a name = %v", err)
	}
	s.Name = "code"
	if err := s.Apply(overrides(t, "rate", "10", "duration", "100s")); err != nil || s.Load.Rate != 10 || s.Load.Duration != 100*time.Second {
		t.Errorf("Apply = %v, load %+v", err, s.Load)
	}
}
