package runner

import (
	"os"
	"testing"

	"github.com/slocheck/slocheck/internal/companion/companiontest"
)

// TestMain removes the companion binaries the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	companiontest.Cleanup()
	os.Exit(code)
}
