package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
)

// runValidate runs `slocheck validate args...` in-process and returns its exit
// code and output.
func runValidate(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), append([]string{"validate"}, args...), IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateGoodAndBad(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", "name: good\nload: {rate: 100, duration: 10m}\n")
	bad := writeFile(t, dir, "bad.yaml", "name: bad\nload:\n  rate: -5\n  duraton: 10s\n")
	code, out, errOut := runValidate(t, good, bad, "release-gate")
	if code != exitcode.Usage {
		t.Errorf("exit %d, want %d", code, exitcode.Usage)
	}
	if want := "ok " + good + ": steady state about 60,000 requests (38,411 decide availability 99.99 % with no failure)\n" +
		"ok release-gate: steady state about 135,000 requests (38,411 decide availability 99.99 % with no failure)\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	for _, want := range []string{
		bad + ":3:3: load.rate: must be positive (requests per second), got -5\n",
		bad + `:4:3: load.duraton: unknown field, did you mean "duration"?`,
		"Error: 1 of 3 scenario files invalid\n",
		"Try: fix the fields named above",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestValidateEveryBuiltin(t *testing.T) {
	names := scenario.Names()
	code, out, errOut := runValidate(t, names...)
	if code != exitcode.OK || errOut != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if got := strings.Count(out, "ok "); got != len(names) {
		t.Errorf("%d ok lines for %d builtins:\n%s", got, len(names), out)
	}
}

func TestValidateMissingAndUnknown(t *testing.T) {
	code, _, errOut := runValidate(t, "no-such-builtin", filepath.Join(t.TempDir(), "missing.yaml"))
	if code != exitcode.Usage || !strings.Contains(errOut, `unknown scenario "no-such-builtin"`) || !strings.Contains(errOut, "missing.yaml: no such file") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	if code, _, _ := runValidate(t); code != exitcode.Usage {
		t.Errorf("no arguments: exit %d, want %d", code, exitcode.Usage)
	}
}

func TestValidateWarnsWithoutFailing(t *testing.T) {
	p := writeFile(t, t.TempDir(), "short.yaml", "load: {rate: 10, duration: 10s}\n")
	code, out, errOut := runValidate(t, p)
	if code != exitcode.OK || !strings.HasPrefix(out, "ok "+p+": steady state about 100 requests") || !strings.Contains(errOut, "warning: "+p+":1:1: load: steady state") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestValidatePrintRoundTrips checks that --print writes a scenario file
// that parses back to the same scenario.
func TestValidatePrintRoundTrips(t *testing.T) {
	code, out, errOut := runValidate(t, "--print", "slow-probes")
	if code != exitcode.OK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	s, err := scenario.Parse("printed.yaml", []byte(out))
	if err != nil {
		t.Fatalf("printed scenario does not parse: %v\n%s", err, out)
	}
	orig, _ := scenario.Builtin("slow-probes")
	if s.Name != orig.Name || s.Platform.Probe != orig.Platform.Probe || s.Load.Rate != orig.Load.Rate || len(s.Faults) != 1 || s.Faults[0].For != orig.Faults[0].For {
		t.Errorf("printed scenario differs:\n%s", out)
	}
}
