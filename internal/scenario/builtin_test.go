package scenario

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/scenarios"
)

// TestBuiltinsValid loads every embedded scenario file: each must parse,
// validate, carry its file's name, and raise no warning.
func TestBuiltinsValid(t *testing.T) {
	files, err := fs.Glob(scenarios.FS, "*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded scenarios (%v)", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(file, ".yaml")
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			if err != nil {
				t.Fatalf("Builtin(%q):\n%v", name, err)
			}
			if s.Name != name {
				t.Errorf("name = %q, want the file's name %q", s.Name, name)
			}
			if s.Description == "" {
				t.Error("no description")
			}
			for _, w := range s.Warnings() {
				t.Errorf("warning: %v", w)
			}
			if !s.IsBuiltin() || s.Source() != "scenarios/"+file {
				t.Errorf("source = %q builtin=%v", s.Source(), s.IsBuiltin())
			}
		})
	}
	if got := Names(); len(got) != len(files) {
		t.Errorf("Names() = %v, want one per file of %v", got, files)
	}
}

// TestShippedScenarios checks that the scenarios are all shipped.
func TestShippedScenarios(t *testing.T) {
	want := []string{"azure-frontdoor", "blackhole-failover", "default-failover", "region-lost-writes", "release-gate", "replication-cut", "slow-probes", "slow-region"}
	for _, name := range want {
		if !slices.Contains(Names(), name) {
			t.Errorf("builtin scenario %q missing from %v", name, Names())
		}
	}
}

// TestDefaultSizing checks the no-argument run against DESIGN.md §2: about a
// minute, one eastus outage in the middle, and a steady state that holds at
// least 50,000 requests (above the 38,412 that decide 99.99 % with no failure).
func TestDefaultSizing(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != DefaultName || !s.Embedded() {
		t.Fatalf("Default() = %s, embedded=%v", s, s.Embedded())
	}
	if d := s.Load.Duration; d < 50*time.Second || d > 75*time.Second {
		t.Errorf("duration %s, want about a minute", d)
	}
	if len(s.Faults) != 1 {
		t.Fatalf("%d faults, want 1", len(s.Faults))
	}
	f := s.Faults[0]
	if f.Injector != InjectorPlatform || f.Region != "eastus" || f.Mode != ModeDown {
		t.Errorf("fault = %+v, want eastus down on the platform", f)
	}
	if f.At < s.Load.Duration/5 || f.At+f.For > s.Load.Duration*4/5 {
		t.Errorf("fault %s–%s is not in the middle of %s", f.At, f.At+f.For, s.Load.Duration)
	}
	// Independent count: the rate is constant, so steady requests are the
	// rate times the seconds outside [at-timeout, at+for+recovery), less the
	// one interval a heal landing just after its planned (whole-second)
	// instant costs.
	steady := s.Load.Duration - s.Load.Timeout - f.For - s.Objectives.Recovery - time.Second
	want := s.Load.Rate * steady.Seconds()
	need := 1.2 * float64(RequestsToDecide(s.Objectives.Availability)) // a fifth of margin
	if got := s.SteadyStateRequests(); got != want || got < need {
		t.Errorf("steady-state requests = %.0f, want %.0f and >= %.0f", got, want, need)
	}
}

// TestReleaseGateDecides checks that release-gate decides 99.99 % with margin.
func TestReleaseGateDecides(t *testing.T) {
	s, err := Builtin("release-gate")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Faults) != 0 {
		t.Errorf("release-gate has %d faults, want steady state only", len(s.Faults))
	}
	need := float64(RequestsToDecide(s.Objectives.Availability))
	if got := s.SteadyStateRequests(); got < 3*need {
		t.Errorf("steady state holds %.0f requests, want at least 3 × %.0f", got, need)
	}
}

// TestSlowProbesMissRTO checks from the probe arithmetic that slow-probes
// cannot meet its RTO: starting from a healthy window an origin leaves
// rotation only after F = sample_size − successful_samples + 1 consecutive
// failed probes, the first of which fails after the injection, so detection
// takes more than (F−1)·interval. The fault must outlast detection plus the
// stability window, so that recovery (and an RTO) can be measured before the
// heal.
func TestSlowProbesMissRTO(t *testing.T) {
	s, err := Builtin("slow-probes")
	if err != nil {
		t.Fatal(err)
	}
	p := s.Platform.Probe
	failed := p.SampleSize - p.SuccessfulSamples + 1
	minDetect := time.Duration(failed-1) * p.Interval
	maxDetect := time.Duration(failed)*p.Interval + p.Timeout
	if minDetect <= s.Objectives.RTO {
		t.Errorf("detection takes more than %s, not above the RTO objective %s", minDetect, s.Objectives.RTO)
	}
	if len(s.Faults) != 1 {
		t.Fatalf("%d faults, want 1", len(s.Faults))
	}
	if f := s.Faults[0]; f.For <= maxDetect+s.Objectives.StabilityWindow {
		t.Errorf("fault lasts %s, not longer than the slowest detection %s plus the stability window", f.For, maxDetect)
	}
}

// TestAzureFrontDoorTemplate checks the real-deployment template: a target,
// a read-back template, and an injector that acts on Azure.
func TestAzureFrontDoorTemplate(t *testing.T) {
	s, err := Builtin("azure-frontdoor")
	if err != nil {
		t.Fatal(err)
	}
	if s.Embedded() || s.Target.URL == "" || !strings.Contains(s.Target.ReadbackURL, "{id}") {
		t.Errorf("target = %+v, want a URL and a read-back template", s.Target)
	}
	for _, f := range s.Faults {
		if f.Injector == InjectorPlatform {
			t.Errorf("fault %s uses the embedded platform's injector", f.Name)
		}
	}
}

func TestOpen(t *testing.T) {
	if s, err := Open("default-failover"); err != nil || s.Name != DefaultName {
		t.Errorf("Open(builtin) = %v, %v", s, err)
	}
	if s, err := Open("release-gate.yaml"); err != nil || s.Name != "release-gate" {
		t.Errorf("Open(builtin.yaml) = %v, %v", s, err)
	}
	_, err := Open("no-such-scenario")
	if err == nil || !strings.Contains(err.Error(), "default-failover") {
		t.Errorf("Open(unknown) = %v, want the builtin names listed", err)
	}
	if _, err := Open("testdata/missing.yaml"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Open(missing file) = %v", err)
	}
	if _, err := Builtin("../scenarios/default-failover"); err == nil {
		t.Error("Builtin accepted a path")
	}
}

// BenchmarkParseDefault measures reading the default scenario file.
func BenchmarkParseDefault(b *testing.B) {
	data, err := fs.ReadFile(scenarios.FS, DefaultName+".yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("default-failover.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
