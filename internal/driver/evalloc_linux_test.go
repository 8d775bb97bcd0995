//go:build linux

package driver

import (
	"testing"
	"time"
)

// TestEvParkWaitAllocatesNothing: a loop's wait, the one thing it does at
// every tick, allocates nothing: both kinds (a tick-only wait and one that
// events may end) each end at their timer here. A method value made at each
// wait escaped to the heap, one allocation per tick (issue 18g).
func TestEvParkWaitAllocatesNothing(t *testing.T) {
	_, _, _, p := newTestPark(t)
	at := time.Duration(0)
	for _, tickOnly := range []bool{true, false} {
		allocs := testing.AllocsPerRun(20, func() {
			at++
			if n, err := p.wait(at, 100*time.Microsecond, tickOnly); err != nil || n == 0 {
				t.Fatalf("wait (tick only %v): n=%d err=%v; want the timer", tickOnly, n, err)
			}
			p.fired()
		})
		if allocs != 0 {
			t.Errorf("wait (tick only %v): %v allocations per wait, want none", tickOnly, allocs)
		}
	}
}
