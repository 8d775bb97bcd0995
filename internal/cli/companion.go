package cli

import (
	"fmt"
	"slices"

	"github.com/slocheck/slocheck/internal/chaos/cloudfault"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/runner"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// checkCompanion fails a run whose faults need the companion slocheck-cloud
// (the aks, frontdoor, chaos-studio and cosmos injectors) when none of this
// build is found: before the run creates anything, with how to install it. A
// generator injects nothing and needs none.
func checkCompanion(s *scenario.Scenario, role runner.Role, getenv func(string) string) error {
	if role.Name == results.RoleGenerator {
		return nil
	}
	for i, f := range s.Faults {
		if !slices.Contains(cloudfault.Kinds, f.Injector) {
			continue
		}
		if _, err := companion.Locate("the "+f.Injector+" injector", getenv); err != nil {
			return usageErr(fmt.Errorf("%s: faults[%d] (%s): %w", s.Source(), i, f.Name, err), companion.Hint)
		}
	}
	return nil
}
