package driver

import (
	"testing"
	"time"
)

// TestTickFor: a loop's grid holds two of its arrivals, from 500 µs (4,000
// req/s and up, where docs/driver.md's send precision is measured) to 1 ms.
func TestTickFor(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want time.Duration
	}{
		{0, time.Millisecond}, {100, time.Millisecond}, {2000, time.Millisecond},
		{2500, 800 * time.Microsecond}, {4000, 500 * time.Microsecond},
		{5000, 500 * time.Microsecond}, {10000, 500 * time.Microsecond}, {200000, 500 * time.Microsecond},
	} {
		if got := tickFor(c.rate); got != c.want {
			t.Errorf("tickFor(%v) = %v, want %v", c.rate, got, c.want)
		}
	}
}
