package scenario

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/slocheck/slocheck/results"
)

// defaulter is implemented by the types whose fields have defaults. The
// decoder calls setDefaults on a value before it decodes the file's mapping
// into it, so what the file says overrides the default and what it omits
// keeps it.
type defaulter interface{ setDefaults() }

var (
	_ defaulter = (*Scenario)(nil)
	_ defaulter = (*Target)(nil)
	_ defaulter = (*TargetAuth)(nil)
	_ defaulter = (*Journey)(nil)
	_ defaulter = (*Fault)(nil)
	_ defaulter = (*HTTPHook)(nil)
	_ defaulter = (*ExecHook)(nil)
	_ defaulter = (*AKS)(nil)
)

// DefaultProbe returns the front door's default health probe: Azure Front
// Door's as the Terraform configures it (terraform/modules/frontdoor,
// variable health_probe: interval_in_seconds 2, sample_size 4,
// successful_samples_required 3; a test parses that default and pins these),
// so `slocheck run` on the embedded platform predicts the deployment. An
// origin leaves rotation after F = 4 − 3 + 1 = 2 failed probes: detection in
// (2 s, 4 s] for a refused connection, (3 s, 5 s] for a blackhole (whose probe
// fails only at the 1 s timeout, the embedded platform's default; Front
// Door's own is not configurable), well under the 10 s RTO.
func DefaultProbe() Probe {
	return Probe{Interval: 2 * time.Second, SampleSize: 4, SuccessfulSamples: 3, Timeout: time.Second}
}

// The embedded platform's default regions and their client regions.
const (
	defaultRegionUS = "eastus"
	defaultRegionEU = "westeurope"
)

func (s *Scenario) setDefaults() {
	t := results.DefaultTargets()
	*s = Scenario{
		Engine: EngineGo,
		Platform: Platform{
			Regions:        []string{defaultRegionUS, defaultRegionEU},
			ClientRegions:  map[string]string{"us": defaultRegionUS, "eu": defaultRegionEU},
			Probe:          DefaultProbe(),
			ReplicationLag: 300 * time.Millisecond,
			Unreplicated:   UnreplicatedLate,
			Seed:           1,
		},
		Load: Traffic{
			Rate:          1500,
			Duration:      60 * time.Second,
			Timeout:       t.Timeout.Std(),
			MaxWorkers:    5000,
			ClientRegions: map[string]float64{"us": 1, "eu": 1},
			Cookies:       true,
			Journeys:      []Journey{{Name: "shop", Weight: 1, Steps: append([]string(nil), Steps...)}},
		},
		Objectives: Objectives{
			P99:             t.P99.Std(),
			Availability:    t.Availability,
			RTO:             t.RTO.Std(),
			RPO:             t.RPO.Std(),
			BudgetShare:     t.BudgetShare,
			StabilityWindow: t.StabilityWindow.Std(),
			Recovery:        t.Recovery.Std(),
		},
		src: s.src,
	}
}

func (t *Target) setDefaults() {
	*t = Target{
		Regions:        []string{defaultRegionUS, defaultRegionEU},
		ServedByHeader: "X-Served-By",
		CheckURL:       "/health",
	}
}

func (a *TargetAuth) setDefaults() { *a = TargetAuth{Header: "Authorization"} }

func (j *Journey) setDefaults() { *j = Journey{Weight: 1} }

func (f *Fault) setDefaults() { *f = Fault{Injector: InjectorPlatform, Ratio: 1} }

func (h *HTTPHook) setDefaults() {
	*h = HTTPHook{InjectMethod: "POST", HealMethod: "DELETE", Timeout: 10 * time.Second}
}

func (e *ExecHook) setDefaults() { *e = ExecHook{Timeout: 30 * time.Second} }

func (a *AKS) setDefaults() { *a = AKS{Namespace: "default"} }

// fixedModes are the one mode of each injector that has no choice of modes.
var fixedModes = map[string]string{
	InjectorExec:        "exec",
	InjectorFrontDoor:   "origin-disabled",
	InjectorAKS:         "scale-to-zero",
	InjectorChaosStudio: "experiment",
	InjectorCosmos:      "failover",
}

// complete fills the defaults that depend on other fields: the scenario's
// name (from its file), journey and fault names, fault modes and maximum
// durations. It only fills empty fields, so it can run again after overrides.
func (s *Scenario) complete() {
	if s.Name == "" && s.src.file != "" {
		base := path.Base(strings.ReplaceAll(s.src.file, "\\", "/"))
		s.Name = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	}
	if len(s.Load.Steps) > 0 && !s.src.explicit("load.journeys") && !s.Load.usesPreset() {
		j := Journey{Weight: 1}
		for _, st := range s.Load.Steps {
			j.Steps = append(j.Steps, st.Name)
		}
		s.Load.Journeys = []Journey{j}
	}
	for i := range s.Load.Journeys {
		j := &s.Load.Journeys[i]
		if j.Name == "" {
			j.Name = strings.Join(j.Steps, "-")
		}
	}
	taken := map[string]bool{}
	for _, f := range s.Faults {
		taken[f.Name] = true
	}
	for i := range s.Faults {
		s.Faults[i].complete(taken)
	}
}

func (f *Fault) complete(taken map[string]bool) {
	if f.Mode == "" {
		f.Mode = fixedModes[f.Injector]
		if f.Mode == "" && (f.Injector == InjectorPlatform || f.Injector == InjectorHTTP || f.Injector == InjectorManual) {
			f.Mode = ModeDown
		}
	}
	if f.MaxDuration == 0 {
		f.MaxDuration = f.For
	}
	if f.Name != "" {
		return
	}
	base := f.Injector
	if f.Region != "" {
		base = f.Region + "-" + f.Mode
	}
	name := base
	for n := 2; taken[name]; n++ {
		name = fmt.Sprintf("%s-%d", base, n)
	}
	f.Name = name
	taken[name] = true
}
