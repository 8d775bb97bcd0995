package runner

import (
	"fmt"

	"github.com/slocheck/slocheck/internal/chaos"
	_ "github.com/slocheck/slocheck/internal/chaos/builtin" // registers the injector kinds
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/results"
	"github.com/slocheck/slocheck/internal/scenario"
)

// schedule turns the scenario's faults into the chaos runner's schedule,
// each injector wrapped with the RPO read-back.
func schedule(s *scenario.Scenario, tgt *target, rb *readbacker, env chaos.Env) (chaos.Schedule, error) {
	var sched chaos.Schedule
	for i := range s.Faults {
		f := &s.Faults[i]
		spec, err := faultSpec(f, tgt)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, fmt.Errorf("%s: faults[%d] (%s): %w", s.Source(), i, f.Name, err), "")
		}
		inj, err := chaos.Build(spec, env)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, fmt.Errorf("%s: faults[%d] (%s): %w", s.Source(), i, f.Name, err), "slocheck validate "+s.Source())
		}
		e := chaos.Entry{
			Spec:        spec,
			Injector:    rb.wrap(inj, f.Name, f.Region),
			At:          f.At,
			For:         f.For,
			MaxDuration: f.MaxDuration,
		}
		if f.Stop != nil {
			e.Stop = &chaos.StopCondition{FailureRatio: f.Stop.FailureRatio, For: f.Stop.For}
		}
		sched = append(sched, e)
	}
	return sched, nil
}

// faultSpec describes one scenario fault for the chaos runner (and for the
// state file that `slocheck heal DIR` reads).
func faultSpec(f *scenario.Fault, tgt *target) (chaos.Spec, error) {
	spec := chaos.Spec{Name: f.Name, Target: f.Region, Mode: f.Mode}
	switch f.Injector {
	case scenario.InjectorPlatform:
		if tgt.admin == "" {
			return spec, fmt.Errorf("the platform injector needs the embedded platform; against a deployment use an http or exec injector")
		}
		spec.Kind = chaos.KindPlatform
		spec.Platform = &chaos.PlatformSpec{
			Admin: tgt.admin, Region: f.Region, Mode: f.Mode, Ratio: f.Ratio,
			LatencyMS: int(f.Latency.Milliseconds()),
			// The embedded platform lives in this process: once the process is
			// gone, so is the fault, and `slocheck heal DIR` has nothing to do.
			InProcess: tgt.platform != nil,
		}
	case scenario.InjectorHTTP:
		h := f.HTTP
		spec.Kind = chaos.KindHTTP
		spec.HTTP = &chaos.HTTPSpec{
			InjectURL: h.InjectURL, InjectMethod: h.InjectMethod, InjectBody: h.InjectBody,
			HealURL: h.HealURL, HealMethod: h.HealMethod, HealBody: h.HealBody,
			Headers: h.Headers, HeaderEnv: h.HeaderEnv, Timeout: results.Duration(h.Timeout),
		}
	case scenario.InjectorExec:
		spec.Kind = chaos.KindExec
		spec.Exec = &chaos.ExecSpec{InjectCmd: f.Exec.Inject, HealCmd: f.Exec.Heal, Timeout: results.Duration(f.Exec.Timeout)}
	default:
		return spec, fmt.Errorf("injector %q is not available in this build (available: platform, http, exec)", f.Injector)
	}
	return spec, nil
}
