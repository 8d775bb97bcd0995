package driver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestPanicCancelsTheRunAndIsReturned makes each kind of goroutine a run
// starts panic on purpose (the event loops on their transport; a worker and
// the pacer on theirs). The process must live on; Run must return an error
// naming the panic with the Stats so far; nothing due after the cancel the
// panic caused is sent; requests in flight end; and the server's count of
// requests is what the driver says it sent.
func TestPanicCancelsTheRunAndIsReturned(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		kinds := []string{"event loop"}
		if useWorkers {
			kinds = []string{"worker", "pacer"}
		}
		for _, kind := range kinds {
			t.Run(kind, func(t *testing.T) { testPanicIn(t, kind) })
		}
	})
}

func testPanicIn(t *testing.T, kind string) {
	var got atomic.Int64
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		time.Sleep(50 * time.Millisecond) // so that some are in flight at the panic
		okHandler("eastus")(w, r)
	})
	const timeout = time.Second
	var fired atomic.Bool
	var panicked atomic.Int64 // unix nanoseconds of the panic
	cfg := Config{
		Targets: map[string]string{"us": srv.URL}, Rate: 200, Duration: time.Second,
		Timeout: timeout, Journeys: single(StepBrowse), noEventLoop: useWorkers, rootCAs: testRoots,
		evloops: 2, // the loop that does not panic must stop too
		panicAt: func(where string, due time.Duration) {
			if where == kind && due >= 300*time.Millisecond && fired.CompareAndSwap(false, true) {
				panicked.Store(time.Now().UnixNano())
				panic("boom")
			}
		},
	}
	var sink memSink
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := Run(ctx, cfg, &sink)
	returned := time.Now()

	var pe *PanicError
	if !errors.Is(err, ErrPanic) || !errors.As(err, &pe) || !strings.Contains(err.Error(), "panic in "+kind) ||
		!strings.Contains(err.Error(), "boom") || len(pe.Stack) == 0 {
		t.Fatalf("Run: %v, want an ErrPanic naming %q and boom, with a stack", err, kind)
	}
	p := time.Unix(0, panicked.Load())
	if !st.Cancelled || st.Arrivals == 0 || st.Sent == 0 {
		t.Fatalf("stats %+v: want the run cancelled with what it did so far", st)
	}
	// In flight at the panic: answered within 50 ms, or failed at once by a
	// loop that panicked; either way by its deadline (timeout after its due
	// time, which is before the panic); the second second is slack for a
	// busy machine.
	if waited := returned.Sub(p); waited > timeout+time.Second {
		t.Fatalf("Run returned %s after the panic, more than the %s deadline of what was in flight", waited, timeout)
	}
	outs := sink.sorted()
	// Arrival 0 is due at the start; Elapsed is the cancel's offset.
	start := outs[0].Intended
	cancelled := start.Add(st.Elapsed)
	if cancelled.Before(p) {
		t.Fatalf("cancelled %s before the panic", p.Sub(cancelled))
	}
	counts := countErr(outs)
	if uint64(len(outs)) != st.Sent+st.Dropped || uint64(counts[results.ErrDropped]) != st.Dropped {
		t.Fatalf("%d outcomes (%d dropped) for sent %d + dropped %d", len(outs), counts[results.ErrDropped], st.Sent, st.Dropped)
	}
	// The journey that panicked is lost; every other arrival is accounted for.
	if lost := st.Arrivals - st.Sent - st.Dropped; lost > 1 {
		t.Fatalf("arrivals %d, sent %d, dropped %d: %d lost", st.Arrivals, st.Sent, st.Dropped, lost)
	}
	for _, o := range outs {
		if o.Intended.After(cancelled) {
			t.Fatalf("a request due %s after the cancel at the panic was reported", o.Intended.Sub(cancelled))
		}
		if o.Err != results.ErrDropped && o.End.IsZero() {
			t.Fatalf("a request never ended: %+v", o)
		}
	}
	// A loop that panicked fails what it had in flight at once (ErrOther):
	// those requests may or may not have reached the server. All others did.
	time.Sleep(100 * time.Millisecond) // anything still on its way lands
	if n, abandoned := got.Load(), int64(counts[results.ErrOther]); n > int64(st.Sent) || n < int64(st.Sent)-abandoned {
		t.Fatalf("server saw %d requests, driver sent %d of which %d were abandoned", n, st.Sent, abandoned)
	}
	if kind != "event loop" && counts[results.ErrOther] > 0 {
		t.Fatalf("%d requests failed: the workers that did not panic must finish theirs", counts[results.ErrOther])
	}
}
