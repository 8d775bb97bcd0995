package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/exitcode"
)

// readmeYAML is the first yaml block of the README section titled heading.
func readmeYAML(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no section %q", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatalf("README section %q has no yaml block", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// TestReadmeOwnShopValidates: the README's "Your own shop" scenario is
// valid as written, beside the users.csv it names.
func TestReadmeOwnShopValidates(t *testing.T) {
	needStepsSchema(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "my-shop.yaml")
	if err := os.WriteFile(p, []byte(readmeYAML(t, "## Your own shop")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte("user\nada\nbob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := slocheck(t, "validate", p); code != exitcode.OK {
		t.Errorf("validate: exit %d\n%s%s", code, out, errOut)
	}
}

// TestReadmeWAFValidates: the README's scenario for a WAF or a gateway in
// front of Front Door is valid as written.
func TestReadmeWAFValidates(t *testing.T) {
	needStepsSchema(t)
	p := filepath.Join(t.TempDir(), "behind-the-waf.yaml")
	if err := os.WriteFile(p, []byte(readmeYAML(t, "## Pointing it at a real deployment")), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := slocheck(t, "validate", p); code != exitcode.OK {
		t.Errorf("validate: exit %d\n%s%s", code, out, errOut)
	}
}
