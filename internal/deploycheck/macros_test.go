package deploycheck

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	macroExpr = regexp.MustCompile(`\$\(([A-Za-z0-9_.]+)\)`)
	// A row of the variable-group table in .azure-pipelines/README.md: | `name` | where it comes from |
	groupRow = regexp.MustCompile("^\\|\\s*`([A-Za-z0-9_.]+)`\\s*\\|(.*)\\|")
)

// predefined are the Azure Pipelines variables the pipelines use, with values
// for the tests. Build.ArtifactStagingDirectory is set per test.
var predefined = map[string]string{
	"Pipeline.Workspace":             "/tmp/pipeline",
	"Build.BuildNumber":              "20261124.1",
	"Build.BuildId":                  "4242",
	"Build.SourceVersion":            "0123456789abcdef0123456789abcdef01234567",
	"Build.Reason":                   "IndividualCI",
	"System.JobAttempt":              "1",
	"System.StageName":               "staging",
	"resources.pipeline.build.runID": "4242",
	"Build.ArtifactStagingDirectory": "/tmp/staging",
}

// groupVariables are the variables the README says each slocheck-<env>
// variable group holds, with a test value each.
func groupVariables(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(pipelineDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := groupRow.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name := m[1]
		switch {
		case name == "frontdoorUrl":
			vars[name] = "https://slocheck-staging-ab12c.z01.azurefd.net"
		case strings.HasPrefix(name, "shopIngressIp."):
			vars[name] = "10.30.3.250"
		case strings.HasPrefix(name, "chaosExperimentId."):
			vars[name] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Chaos/experiments/" + strings.TrimPrefix(name, "chaosExperimentId.")
		default:
			vars[name] = "test-" + strings.ReplaceAll(name, ".", "-")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(vars) == 0 {
		t.Fatal(".azure-pipelines/README.md lists no variable-group variables (rows like | `frontdoorUrl` | ... |)")
	}
	return vars
}

// macros resolves $(name) macros as Azure Pipelines does at run time.
type macros map[string]string

// newMacros holds the predefined variables, the variable groups' and the
// pipeline's own (doc's variables list, compile-time conditions already
// resolved by the caller), with the staging directory set to staging.
func newMacros(t testing.TB, vars []any, staging string) macros {
	t.Helper()
	m := macros{}
	for k, v := range predefined {
		m[k] = v
	}
	for k, v := range groupVariables(t) {
		m[k] = v
	}
	m["Build.ArtifactStagingDirectory"] = staging
	for _, v := range vars {
		n, ok := v.(node)
		if !ok {
			t.Fatalf("variables entry %v is not a mapping", v)
		}
		if str(n, "name") != "" {
			m[str(n, "name")] = str(n, "value")
		}
	}
	return m
}

// expand replaces every $(name) in s; an unknown variable fails the test, so
// a pipeline cannot use a variable nobody defines.
func (m macros) expand(t testing.TB, s string) string {
	t.Helper()
	for range 10 {
		next := macroExpr.ReplaceAllStringFunc(s, func(x string) string {
			name := macroExpr.FindStringSubmatch(x)[1]
			v, ok := m[name]
			if !ok {
				t.Fatalf("variable $(%s) is defined nowhere (pipeline variables, README's variable groups, predefined)", name)
			}
			return v
		})
		if next == s {
			return s
		}
		s = next
	}
	t.Fatalf("variables nest too deep in %q", s)
	return s
}
