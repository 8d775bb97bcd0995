package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/exitcode"
)

// TestRunEngineK6WithoutK6 checks that `run --engine k6` without a built k6
// stops before starting anything, with exit 2 and the command that builds it.
func TestRunEngineK6WithoutK6(t *testing.T) {
	var out, errOut bytes.Buffer
	missing := filepath.Join(t.TempDir(), "k6")
	code := Run(context.Background(), []string{"run", "--engine", "k6", "--k6", missing, "--out", t.TempDir(), "--quiet"},
		IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != exitcode.Usage {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitcode.Usage, errOut.String())
	}
	if !strings.Contains(errOut.String(), "make k6") {
		t.Errorf("stderr does not name the command that builds k6:\n%s", errOut.String())
	}
}
