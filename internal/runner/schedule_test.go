package runner

import (
	"path/filepath"
	"testing"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/scenario"
)

// TestAzureFaultsBuild checks that every Azure injector block of a scenario
// becomes a chaos spec that its registered injector accepts (no Azure call
// is made before Inject). Those injectors run in the companion slocheck-cloud:
// its `check` builds each.
func TestAzureFaultsBuild(t *testing.T) {
	t.Cleanup(companiontest.Cleanup)
	t.Setenv(companion.EnvVar, filepath.Join(companiontest.Build(t, companion.Program), companion.Program))
	faults := []scenario.Fault{
		{Name: "fd", Injector: scenario.InjectorFrontDoor, Region: "eastus", FrontDoor: &scenario.FrontDoor{
			SubscriptionID: "00000000-0000-0000-0000-000000000000", ResourceGroup: "rg", Profile: "afd", OriginGroup: "shop", Origin: "eastus"}},
		{Name: "aks", Injector: scenario.InjectorAKS, Region: "eastus", AKS: &scenario.AKS{
			Context: "aks-eastus", Namespace: "shop", Deployments: []string{"shop"}}},
		{Name: "cs", Injector: scenario.InjectorChaosStudio, Region: "eastus", ChaosStudio: &scenario.ChaosStudio{
			SubscriptionID: "00000000-0000-0000-0000-000000000000", ResourceGroup: "rg", Experiment: "eastus-outage"}},
		{Name: "cosmos", Injector: scenario.InjectorCosmos, Region: "eastus", Cosmos: &scenario.Cosmos{
			SubscriptionID: "00000000-0000-0000-0000-000000000000", ResourceGroup: "rg", Account: "shopdb"}},
	}
	for _, f := range faults {
		spec, err := faultSpec(&f, &target{})
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if spec.Kind != f.Injector {
			t.Errorf("%s: kind %q, want %q", f.Name, spec.Kind, f.Injector)
		}
		if _, err := chaos.Build(spec, chaos.Env{RunDir: t.TempDir()}); err != nil {
			t.Errorf("%s: build: %v", f.Name, err)
		}
	}
}
