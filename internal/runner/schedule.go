package runner

import (
	"fmt"
	"strings"

	"github.com/slocheck/slocheck/internal/chaos"
	_ "github.com/slocheck/slocheck/internal/chaos/builtin" // registers the injector kinds
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// schedule turns the scenario's faults into the chaos runner's schedule,
// each injector wrapped with the RPO read-back.
func schedule(s *scenario.Scenario, tgt *target, rb *readbacker, env chaos.Env) (chaos.Schedule, error) {
	var sched chaos.Schedule
	for i := range s.Faults {
		f := &s.Faults[i]
		if f.Injector == scenario.InjectorManual {
			continue // another tool injects it; its marks make its events (live.go)
		}
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
			e.Stop = &chaos.StopCondition{FailureRatio: f.Stop.FailureRatio, For: f.Stop.For, BudgetShare: f.Stop.BudgetShare}
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
		return azureSpec(f, spec)
	}
	return spec, nil
}

// azureSpec describes a fault made by one of the Azure injectors (their
// scenario blocks and chaos specs share field names).
func azureSpec(f *scenario.Fault, spec chaos.Spec) (chaos.Spec, error) {
	switch f.Injector {
	case scenario.InjectorFrontDoor:
		fd := f.FrontDoor
		spec.Kind = chaos.KindFrontDoor
		spec.FrontDoor = &chaos.FrontDoorSpec{SubscriptionID: fd.SubscriptionID, ResourceGroup: fd.ResourceGroup,
			Profile: fd.Profile, OriginGroup: fd.OriginGroup, Origin: fd.Origin}
	case scenario.InjectorAKS:
		a := f.AKS
		spec.Kind = chaos.KindAKS
		spec.AKS = &chaos.AKSSpec{Kubeconfig: a.Kubeconfig, Context: a.Context, Namespace: a.Namespace,
			Deployments: a.Deployments, LabelSelector: a.LabelSelector}
	case scenario.InjectorChaosStudio:
		c := f.ChaosStudio
		spec.Kind = chaos.KindChaosStudio
		spec.ChaosStudio = &chaos.ChaosStudioSpec{SubscriptionID: c.SubscriptionID, ResourceGroup: c.ResourceGroup, Experiment: c.Experiment}
	case scenario.InjectorCosmos:
		c := f.Cosmos
		spec.Kind = chaos.KindCosmos
		spec.Cosmos = &chaos.CosmosSpec{SubscriptionID: c.SubscriptionID, ResourceGroup: c.ResourceGroup,
			Account: c.Account, Region: f.Region, FailoverTo: c.FailoverTo}
	default:
		return spec, fmt.Errorf("unknown injector %q (want one of %s)", f.Injector, strings.Join(chaos.Kinds(), ", "))
	}
	return spec, nil
}
