package cosmos_test

import (
	"path/filepath"
	"testing"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
)

// TestMain removes the companion the tests built.
func TestMain(m *testing.M) { companiontest.Main(m) }

// companionPath builds slocheck-cloud (once per test process) and returns
// its path.
func companionPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(companiontest.Build(t, companion.Program), companion.Program)
}
