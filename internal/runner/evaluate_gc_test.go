package runner

import (
	"runtime/debug"
	"testing"
)

// TestTightenGC: the end of a run runs at endGCPercent, a GOGC the user set
// lower (or off) is kept, and the caller's setting comes back after.
func TestTightenGC(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	for _, c := range []struct{ user, during int }{{100, endGCPercent}, {200, endGCPercent}, {20, 20}, {-1, -1}} {
		debug.SetGCPercent(c.user)
		restore := tightenGC()
		if got := debug.SetGCPercent(c.during); got != c.during {
			t.Errorf("GOGC %d: %d during the end of the run, want %d", c.user, got, c.during)
		}
		restore()
		if got := debug.SetGCPercent(c.user); got != c.user {
			t.Errorf("GOGC %d: %d after, want it restored", c.user, got)
		}
	}
}
