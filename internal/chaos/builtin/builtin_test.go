package builtin_test

import (
	"slices"
	"testing"

	"github.com/slocheck/slocheck/internal/chaos"
	_ "github.com/slocheck/slocheck/internal/chaos/builtin"
	"github.com/slocheck/slocheck/internal/scenario"
)

// TestScenarioInjectorsAreRegistered checks that every injector a scenario
// may name has a kind of the same name, so the runner can map one to the other.
func TestScenarioInjectorsAreRegistered(t *testing.T) {
	kinds := chaos.Kinds()
	for _, name := range []string{
		scenario.InjectorPlatform, scenario.InjectorHTTP, scenario.InjectorExec,
		scenario.InjectorFrontDoor, scenario.InjectorAKS, scenario.InjectorChaosStudio, scenario.InjectorCosmos,
	} {
		if !slices.Contains(kinds, name) {
			t.Errorf("scenario injector %q has no registered kind (kinds: %v)", name, kinds)
		}
	}
}
