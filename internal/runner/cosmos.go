package runner

import (
	"fmt"

	"github.com/slocheck/slocheck/internal/cosmos"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
)

// openCosmos opens target.cosmos's account, one client per target region,
// for the read-back (its reader) and the lag probe; nils without
// target.cosmos. The
// emulator key, when key_env names one, is read here and kept only in the
// client's credential.
func openCosmos(s *scenario.Scenario, getenv func(string) string) (*cosmos.Account, *cosmos.Reader, error) {
	if s.Target == nil || s.Target.Cosmos == nil {
		return nil, nil, nil
	}
	cd := s.Target.Cosmos
	cfg := cosmos.Config{Endpoint: cd.Endpoint, Database: cd.Database, Container: cd.Container, ProbeContainer: cd.ProbeContainer,
		PartitionKeyPath: cd.PartitionKeyPath, Locations: cd.Locations, CAFile: s.CosmosCAPath()}
	if cd.KeyEnv != "" {
		if getenv == nil || getenv(cd.KeyEnv) == "" {
			return nil, nil, exitcode.New(exitcode.Usage, fmt.Errorf("target.cosmos.key_env: %s is not set", cd.KeyEnv),
				"export the emulator's key as "+cd.KeyEnv+", or drop key_env to use the Azure credential chain")
		}
		cfg.Key = getenv(cd.KeyEnv)
	}
	acc, err := cosmos.Open(cfg, s.Target.Regions)
	if err != nil {
		return nil, nil, exitcode.New(exitcode.Rig, err, "check target.cosmos and your Azure sign-in (az login, workload identity)")
	}
	return acc, cosmos.NewReader(acc, cd.MaxParallel, cd.Timeout), nil
}
