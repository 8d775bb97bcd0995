package runner

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/cosmos"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
)

// CosmosLog is the run directory's file of the companion's messages while
// it serves target.cosmos (slocheck-cloud cosmos).
const CosmosLog = "cosmos.stderr"

// openCosmos opens target.cosmos's account, one client per target region,
// for the read-back (t.cosmosReader) and the lag probe (t.cosmos); nothing
// without target.cosmos. The clients live in the companion slocheck-cloud
// (none of this build found exits 2), its messages in the run directory's
// CosmosLog.
// The emulator key, when key_env names one, is read here and handed only
// to the companion.
func (t *target) openCosmos(s *scenario.Scenario, getenv func(string) string, dir string) error {
	if s.Target == nil || s.Target.Cosmos == nil {
		return nil
	}
	cd := s.Target.Cosmos
	cfg := cosmos.Config{Endpoint: cd.Endpoint, Database: cd.Database, Container: cd.Container, ProbeContainer: cd.ProbeContainer,
		PartitionKeyPath: cd.PartitionKeyPath, Locations: cd.Locations, CAFile: s.CosmosCAPath()}
	if cd.KeyEnv != "" {
		if getenv == nil || getenv(cd.KeyEnv) == "" {
			return exitcode.New(exitcode.Usage, fmt.Errorf("target.cosmos.key_env: %s is not set", cd.KeyEnv),
				"export the emulator's key as "+cd.KeyEnv+", or drop key_env to use the Azure credential chain")
		}
		cfg.Key = getenv(cd.KeyEnv)
	}
	var err error
	if cfg.Companion, err = companion.Locate("target.cosmos", getenv); err != nil {
		return exitcode.New(exitcode.Usage, err, companion.Hint)
	}
	logf, err := os.OpenFile(filepath.Join(dir, CosmosLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("cosmos db: %w", err), "")
	}
	cfg.Stderr = logf
	acc, err := cosmos.Open(cfg, s.Target.Regions)
	if err != nil {
		logf.Close()
		return exitcode.New(exitcode.Rig, err, "check target.cosmos and your Azure sign-in (az login, workload identity)")
	}
	t.cosmos, t.cosmosLog, t.cosmosReader = acc, logf, cosmos.NewReader(acc, cd.MaxParallel, cd.Timeout)
	return nil
}

// cosmosErr is exit 3 naming the companion when it stopped serving
// target.cosmos during the run (it crashed or was killed): the read-back
// and the lag probe lost their reads; nil otherwise.
func (t *target) cosmosErr() error {
	if t.cosmos == nil {
		return nil
	}
	if err := t.cosmos.Err(); err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("target.cosmos: %w", err), "see "+CosmosLog+" in the run directory")
	}
	return nil
}

// closeCosmos ends the companion serving target.cosmos.
func (t *target) closeCosmos() {
	if t.cosmos != nil {
		_ = t.cosmos.Close()
		_ = t.cosmosLog.Close()
	}
}
