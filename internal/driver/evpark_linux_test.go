//go:build linux

package driver

import (
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/slocheck/slocheck/results"
)

// TestEvParkWaits: a parked wait ends at its timer (never before it), at
// once on an event of the loop's epoll, and reports a timer's expiry once.
func TestEvParkWaits(t *testing.T) {
	_, ev, events, p := newTestPark(t)

	// The timer: 3 ms, never early.
	start := time.Now()
	n, err := p.wait(1, 3*time.Millisecond, false)
	if took := time.Since(start); err != nil || n != 1 || events[0].Fd != int32(p.timer) || took < 3*time.Millisecond {
		t.Fatalf("timed wait: n=%d err=%v fd=%d after %v; want the timer after 3ms", n, err, events[0].Fd, took)
	}
	p.fired()
	// Reported once: nothing is ready now.
	if n, err := p.wait(2, 0, false); n != 0 || err != nil {
		t.Fatalf("after the timer: n=%d err=%v, want nothing ready", n, err)
	}

	// An event ends an unbounded wait (the test's deadline bounds it).
	go func() {
		time.Sleep(20 * time.Millisecond)
		one := [8]byte{1}
		_, _ = unix.Write(ev, one[:])
	}()
	if n, err := p.wait(-1, -1, false); err != nil || n != 1 || events[0].Fd != int32(ev) {
		t.Fatalf("unbounded wait: n=%d err=%v fd=%d; want the eventfd", n, err, events[0].Fd)
	}
	// A re-armed timer replaces the earlier one: a long wait interrupted
	// by an event, then a short one, ends at the short one's timer.
	var b [8]byte
	_, _ = unix.Read(ev, b[:])
	start = time.Now()
	if n, err := p.wait(3, 2*time.Millisecond, false); err != nil || n != 1 || events[0].Fd != int32(p.timer) {
		t.Fatalf("re-armed wait: n=%d err=%v fd=%d after %v", n, err, events[0].Fd, time.Since(start))
	}
}

// TestEventLoopBlockingWait: a loop that cannot park (blockingWait: the
// fallback when the runtime's poller refuses its epoll fd) waits in
// epoll_pwait2 and runs the same schedule.
func TestEventLoopBlockingWait(t *testing.T) {
	srv := httptest.NewServer(okHandler("eastus"))
	t.Cleanup(srv.Close)
	var sink memSink
	st := run(t, Config{Targets: map[string]string{"us": srv.URL}, Rate: 200, Duration: 500 * time.Millisecond,
		Journeys: single(StepBrowse), blockingWait: true}, &sink)
	if c := countErr(sink.sorted()); st.Sent != 100 || c[results.ErrNone] != 100 {
		t.Fatalf("sent %d, outcomes %v; want 100 answered", st.Sent, c)
	}
}

// TestEvTimersOrder: the loop's timer heap pops its timers earliest first,
// after pushes, pops and an init over a slice changed in place.
func TestEvTimersOrder(t *testing.T) {
	var h evTimers
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		h.push(evTimer{at: time.Duration(rnd.IntN(500))})
		if i%3 == 0 {
			h.pop()
		}
	}
	kept := h[:0]
	for _, x := range h {
		if x.at%2 == 0 {
			kept = append(kept, x)
		}
	}
	h = kept
	h.init()
	last := time.Duration(-1)
	for len(h) > 0 {
		x := h.pop()
		if x.at < last || x.at%2 != 0 {
			t.Fatalf("popped %v after %v", x.at, last)
		}
		last = x.at
	}
}
