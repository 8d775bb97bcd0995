package scenario

import (
	"testing"
)

// TestAzureCosmosTemplate checks the Cosmos DB failover template: it
// validates (as every shipped scenario), reads back through target.cosmos
// (no HTTP template), probes replication lag into the lag-probe container,
// and fails Cosmos DB over with the armcosmos injector.
func TestAzureCosmosTemplate(t *testing.T) {
	s, err := Builtin("azure-cosmos-failover")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Target.Cosmos
	if c == nil || c.Database != "shop" || c.Container != "orders" || c.ProbeContainer != "lag-probe" || c.PartitionKeyPath != "/id" || c.KeyEnv != "" {
		t.Errorf("target.cosmos = %+v: want terraform's shop/orders, lag-probe, /id and the credential chain (no key)", c)
	}
	if s.Target.ReadbackURL != "" || s.LagProbe == nil {
		t.Errorf("readback_url %q, lag_probe %+v: want the Cosmos DB read-back and the probe", s.Target.ReadbackURL, s.LagProbe)
	}
	if len(s.Faults) != 1 || s.Faults[0].Injector != InjectorCosmos || s.Faults[0].Cosmos == nil || s.Faults[0].Cosmos.FailoverTo != "westeurope" {
		t.Errorf("faults %+v: want one Cosmos DB failover to westeurope", s.Faults)
	}
}
