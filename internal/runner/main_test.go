package runner

import (
	"testing"

	"github.com/slocheck/slocheck/internal/companion/companiontest"
)

// TestMain removes the companion the tests built.
func TestMain(m *testing.M) { companiontest.Main(m) }
