package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/cosmos"
	"github.com/slocheck/slocheck/internal/platform"
)

// The environment variables `slocheck shop` reads its Cosmos DB settings
// from (the Helm chart sets them); a flag given wins over its variable.
// The account key is read from the environment only (never a flag, which
// ps would show), for an emulator; a real account uses azidentity's default
// chain (workload identity on AKS), run in the companion slocheck-cloud.
const (
	envCosmosEndpoint  = "SLOCHECK_COSMOS_ENDPOINT"
	envCosmosDatabase  = "SLOCHECK_COSMOS_DATABASE"
	envCosmosContainer = "SLOCHECK_COSMOS_CONTAINER"
	envCosmosPKPath    = "SLOCHECK_COSMOS_PARTITION_KEY_PATH"
	envCosmosLocation  = "SLOCHECK_COSMOS_LOCATION"
	envCosmosCA        = "SLOCHECK_COSMOS_CA"
	envCosmosKey       = "SLOCHECK_COSMOS_KEY"
)

// shopCosmos is the shop's Cosmos DB settings, and its account once open.
type shopCosmos struct {
	endpoint, database, container, pkPath, location, ca string

	acc *cosmos.Account
}

// stopOnCrash returns ctx, cancelled too when the store's companion dies:
// the shop then stops, with crashed's error, so that it is restarted.
func (c *shopCosmos) stopOnCrash(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if c.acc != nil {
		go func() {
			select {
			case <-c.acc.Done():
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

// crashed is why the store's companion died, or nil.
func (c *shopCosmos) crashed() error {
	if c.acc == nil {
		return nil
	}
	return c.acc.Err()
}

// close ends the account's companion, if one was started.
func (c *shopCosmos) close() {
	if c.acc != nil {
		_ = c.acc.Close()
	}
}

func (c *shopCosmos) flags(f *pflag.FlagSet) {
	f.StringVar(&c.endpoint, "cosmos-endpoint", "", "keep orders in this Cosmos DB account (https URL; env "+envCosmosEndpoint+"); default: in memory")
	f.StringVar(&c.database, "cosmos-database", "", "the Cosmos DB database (env "+envCosmosDatabase+")")
	f.StringVar(&c.container, "cosmos-container", "", "the Cosmos DB container (env "+envCosmosContainer+")")
	f.StringVar(&c.pkPath, "cosmos-partition-key-path", "", "the container's partition key path (env "+envCosmosPKPath+"; default "+cosmos.DefaultPartitionKeyPath+")")
	f.StringVar(&c.location, "cosmos-location", "", "the Cosmos DB location name of --region, first in preferred regions, e.g. \"East US\" (env "+envCosmosLocation+"; default the region)")
	f.StringVar(&c.ca, "cosmos-ca", "", "a PEM certificate file to trust, for an emulator (env "+envCosmosCA+")")
}

// fromEnv fills the settings no flag gave from the environment.
func (c *shopCosmos) fromEnv(getenv func(string) string) {
	for _, v := range []struct {
		dst *string
		env string
	}{{&c.endpoint, envCosmosEndpoint}, {&c.database, envCosmosDatabase}, {&c.container, envCosmosContainer},
		{&c.pkPath, envCosmosPKPath}, {&c.location, envCosmosLocation}, {&c.ca, envCosmosCA}} {
		if *v.dst == "" {
			*v.dst = getenv(v.env)
		}
	}
}

// store opens the shop's Cosmos DB store, or returns nil (memory) when no
// endpoint is set. Its description names the account, never the key. The
// clients live in the companion slocheck-cloud (its messages go to
// stderr); close ends it.
func (c *shopCosmos) store(ctx context.Context, region string, getenv func(string) string, stderr io.Writer) (platform.OrderStore, string, error) {
	c.fromEnv(getenv)
	if c.endpoint == "" {
		if c.database != "" || c.container != "" {
			return nil, "", fmt.Errorf("--cosmos-database and --cosmos-container need --cosmos-endpoint (or %s)", envCosmosEndpoint)
		}
		return nil, "orders in memory", nil
	}
	path, err := companion.Locate("--cosmos-endpoint", getenv)
	if err != nil {
		return nil, "", usageErr(err, companion.Hint)
	}
	cfg := cosmos.Config{Endpoint: c.endpoint, Database: c.database, Container: c.container, PartitionKeyPath: c.pkPath,
		CAFile: c.ca, Key: getenv(envCosmosKey), Companion: path, Stderr: stderr}
	if c.location != "" {
		cfg.Locations = map[string]string{region: c.location}
	}
	acc, err := cosmos.Open(cfg, []string{region})
	if err != nil {
		return nil, "", err
	}
	c.acc = acc
	st, err := cosmos.NewStore(acc, region)
	if err != nil {
		return nil, "", err
	}
	cred := "azure credential chain"
	if cfg.Key != "" {
		cred = "emulator key from " + envCosmosKey
	}
	desc := fmt.Sprintf("orders in Cosmos DB %s, %s/%s (%s)", c.endpoint, c.database, c.container, cred)
	if d := st.Check(ctx); d.Status != platform.DependencyOK {
		desc += "; not reachable yet, /health answers 503: " + d.Error
	}
	return st, desc, nil
}
