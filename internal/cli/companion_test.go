package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/companion"
)

// TestRunWithoutCompanionStopsBeforeStarting: a scenario with an aks fault,
// target.cosmos or target.auth.bearer_scope, or --otlp-endpoint, needs
// slocheck-cloud (a generator too, for target.cosmos); when $SLOCHECK_CLOUD names
// nothing the run exits 2 before it creates its directory, saying what needs
// the companion and how to install it.
func TestRunWithoutCompanionStopsBeforeStarting(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "aks.yaml")
	yaml := `name: aks
target: {url: "http://127.0.0.1:9", regions: [eastus]}
load: {rate: 10, duration: 2s}
faults:
  - {name: eastus-aks, at: 1s, for: 1s, region: eastus, injector: aks, aks: {namespace: shop, deployments: [web]}}
`
	plain := filepath.Join(dir, "plain.yaml")
	if err := os.WriteFile(scen, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, []byte(yaml[:strings.Index(yaml, "faults:")]), 0o644); err != nil {
		t.Fatal(err)
	}
	cosmosScen := filepath.Join(dir, "cosmos.yaml")
	authScen := filepath.Join(dir, "auth.yaml")
	for path, target := range map[string]string{
		cosmosScen: `cosmos: {endpoint: "https://127.0.0.1:9/", database: shop, container: orders}`,
		authScen:   `auth: {bearer_scope: "api://shop/.default"}`,
	} {
		y := strings.Replace(yaml[:strings.Index(yaml, "faults:")], "regions: [eastus]}", "regions: [eastus], "+target+"}", 1)
		if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{companion.EnvVar: filepath.Join(dir, "no-such-companion")}
	for name, c := range map[string]struct {
		args []string
		what string
	}{
		"aks fault":                    {[]string{"run", "--scenario", scen, "--quiet"}, "the aks injector"},
		"otlp endpoint":                {[]string{"run", "--scenario", plain, "--otlp-endpoint", "http://127.0.0.1:4318", "--quiet"}, "--otlp-endpoint"},
		"target.cosmos":                {[]string{"run", "--scenario", cosmosScen, "--quiet"}, "target.cosmos"},
		"bearer scope":                 {[]string{"run", "--scenario", authScen, "--quiet"}, "target.auth.bearer_scope"},
		"generator with target.cosmos": {[]string{"run", "--scenario", cosmosScen, "--quiet", "--role", "generator"}, "target.cosmos"},
	} {
		out := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		code, _, stderr := runCLI(t, env, append(c.args, "--out", out)...)
		if code != 2 || !strings.Contains(stderr, c.what+" runs in slocheck's companion program") ||
			!strings.Contains(stderr, "$SLOCHECK_CLOUD=") || !strings.Contains(stderr, "Installing the companion") {
			t.Errorf("%s: exit %d, stderr:\n%s", name, code, stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: the run created %s (%v)", name, out, err)
		}
	}
}
