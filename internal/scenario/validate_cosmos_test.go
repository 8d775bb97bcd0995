package scenario

import (
	"strings"
	"testing"
	"time"
)

// TestTargetCosmos checks target.cosmos's and lag_probe's defaults, that
// validate --print keeps them, and each mistake as an error at its field.
func TestTargetCosmos(t *testing.T) {
	const target = "name: x\ntarget:\n  url: http://127.0.0.1:9\n  cosmos: "
	s := mustParse(t, target+"{endpoint: 'https://a.documents.azure.com:443/', database: shop, container: orders}\nlag_probe: {interval: 1s}\n")
	if c := s.Target.Cosmos; c == nil || c.PartitionKeyPath != "/id" || c.MaxParallel != 32 || c.Timeout != 2*time.Second {
		t.Fatalf("cosmos %+v: want the defaults", c)
	}
	if lp := s.LagProbe; lp == nil || lp.Interval != time.Second || lp.Poll != 25*time.Millisecond || lp.TTL != time.Hour {
		t.Fatalf("lag_probe %+v: want the interval given and the defaults", lp)
	}
	y, err := s.YAML()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("x.yaml", y)
	if err != nil || again.Target.Cosmos.Endpoint != s.Target.Cosmos.Endpoint || *again.LagProbe != *s.LagProbe {
		t.Fatalf("printed %s\nparses back to %+v, %v", y, again, err)
	}
	const ok = "endpoint: 'https://a.documents.azure.com:443/', database: shop, container: orders"
	for _, tc := range []struct{ name, src, want string }{
		{"http endpoint", target + "{endpoint: 'http://a', database: shop, container: orders}\n", "x.yaml:4:12: target.cosmos.endpoint: want the account's https:// URL"},
		{"database", target + "{endpoint: 'https://a', database: 'a b', container: orders}\n", `target.cosmos.database: want a Cosmos DB database name, got "a b"`},
		{"pk path", target + "{" + ok + ", partition_key_path: '/a/b'}\n", `target.cosmos.partition_key_path: want one top-level field such as /id, got "/a/b"`},
		{"location", target + "{" + ok + ", locations: {northeurope: North Europe}}\n", `target.cosmos.locations.northeurope: no region "northeurope" in target.regions`},
		{"key env", target + "{" + ok + ", key_env: 'my key'}\n", `target.cosmos.key_env: "my key" is not an environment variable name`},
		{"parallel", target + "{" + ok + ", max_parallel: 0}\n", "target.cosmos.max_parallel: want 1 to 512 concurrent reads per region, got 0"},
		{"timeout", target + "{" + ok + ", timeout: 1h}\n", "target.cosmos.timeout: want 10ms to 30s per request, got 1h0m0s"},
		{"unknown field", target + "{" + ok + ", key: secret}\n", "target.cosmos.key"},
		{"unfilled", target + "{endpoint: 'https://<account>.documents.azure.com', database: shop, container: orders}\n", "target.cosmos.endpoint: <account> is a placeholder"},
		{"probe without cosmos", "name: x\ntarget: {url: 'http://127.0.0.1:9'}\nlag_probe: {}\n", "x.yaml:3:1: lag_probe: against a deployment the probe writes to Cosmos DB: add target.cosmos"},
		{"probe interval", "name: x\nlag_probe: {interval: 1ms}\n", "lag_probe.interval: want 50ms to 1m0s, got 1ms"},
		{"probe poll", "name: x\nlag_probe: {interval: 100ms, poll: 200ms}\n", "lag_probe.poll: want 5ms to the interval (100ms), got 200ms"},
		{"probe ttl", "name: x\nlag_probe: {ttl: 1s}\n", "lag_probe.ttl: want 1m0s to 168h0m0s, got 1s"},
	} {
		errs := parseErrs(t, tc.src)
		if errs == nil || !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %q", tc.name, errs, tc.want)
		}
	}
}
