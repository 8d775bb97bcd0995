package scenario

import (
	"net/url"
	"slices"
	"strings"
)

var (
	cosmosNamePattern = lazy(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$`)
	pkPathPattern     = lazy(`^/[A-Za-z_][A-Za-z0-9_]*$`)
)

// targetCosmos checks target.cosmos.
func (c *checker) targetCosmos(t *Target) {
	const p = "target.cosmos"
	cd := t.Cosmos
	if u, err := url.Parse(cd.Endpoint); err != nil || u.Scheme != "https" || u.Host == "" {
		c.errorf(p+".endpoint", "want the account's https:// URL, e.g. https://shop.documents.azure.com:443/, got %q", cd.Endpoint)
	}
	for _, f := range []struct{ name, v string }{{"database", cd.Database}, {"container", cd.Container}, {"probe_container", cd.ProbeContainer}} {
		if (f.name != "probe_container" || f.v != "") && !cosmosNamePattern().MatchString(f.v) {
			c.errorf(p+"."+f.name, "want a Cosmos DB %s name, got %q", f.name, f.v)
		}
	}
	if !pkPathPattern().MatchString(cd.PartitionKeyPath) {
		c.errorf(p+".partition_key_path", "want one top-level field such as /id, got %q", cd.PartitionKeyPath)
	}
	for _, r := range sortedKeys(cd.Locations, nil) {
		if !slices.Contains(t.Regions, r) {
			c.errorf(childPath(p+".locations", r), "no region %q in target.regions (want one of %s)", r, strings.Join(t.Regions, ", "))
		} else if strings.TrimSpace(cd.Locations[r]) == "" {
			c.errorf(childPath(p+".locations", r), "give the Cosmos DB location name, e.g. East US")
		}
	}
	if cd.KeyEnv != "" && !envPattern().MatchString(cd.KeyEnv) {
		c.errorf(p+".key_env", "%q is not an environment variable name", cd.KeyEnv)
	}
	if cd.MaxParallel < 1 || cd.MaxParallel > MaxCosmosParallel {
		c.errorf(p+".max_parallel", "want 1 to %d concurrent reads per region, got %d", MaxCosmosParallel, cd.MaxParallel)
	}
	if cd.Timeout < MinCosmosTimeout || cd.Timeout > MaxCosmosTimeout {
		c.errorf(p+".timeout", "want %v to %v per request, got %v", MinCosmosTimeout, MaxCosmosTimeout, cd.Timeout)
	}
}

// lagProbe checks lag_probe: it needs the embedded platform or target.cosmos.
func (c *checker) lagProbe(lp *LagProbe) {
	const p = "lag_probe"
	if c.s.Target != nil && c.s.Target.Cosmos == nil {
		c.errorf(p, "against a deployment the probe writes to Cosmos DB: add target.cosmos")
	}
	if lp.Interval < MinLagInterval || lp.Interval > MaxLagInterval {
		c.errorf(p+".interval", "want %v to %v, got %v", MinLagInterval, MaxLagInterval, lp.Interval)
	}
	if lp.Poll < MinLagPoll || lp.Poll > lp.Interval {
		c.errorf(p+".poll", "want %v to the interval (%v), got %v", MinLagPoll, lp.Interval, lp.Poll)
	}
	if lp.TTL < MinLagTTL || lp.TTL > MaxLagTTL {
		c.errorf(p+".ttl", "want %v to %v, got %v", MinLagTTL, MaxLagTTL, lp.TTL)
	}
}
