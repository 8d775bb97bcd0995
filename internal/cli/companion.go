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

// checkCompanion fails a run that needs the companion slocheck-cloud when
// none of this build is found: before the run creates anything, with how to
// install it. Needed by target.auth.bearer_scope (engine go: the token),
// target.cosmos (the Cosmos DB clients) and, but on a generator, which
// injects nothing, faults of the aks, frontdoor, chaos-studio and cosmos
// injectors.
func checkCompanion(s *scenario.Scenario, role runner.Role, getenv func(string) string) error {
	if t := s.Target; t != nil {
		var what string
		switch {
		case t.Auth != nil && s.Engine == scenario.EngineGo:
			what = "target.auth.bearer_scope"
		case t.Cosmos != nil:
			what = "target.cosmos"
		}
		if what != "" {
			if _, err := companion.Locate(what, getenv); err != nil {
				return usageErr(fmt.Errorf("%s: %w", s.Source(), err), companion.Hint)
			}
		}
	}
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
