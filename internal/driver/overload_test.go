package driver

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// slowSink counts what it is told, keeping nothing, and takes sinkCost per
// outcome: a recorder on a starved machine, so that the generator cannot
// keep up with dropping one by one.
type slowSink struct {
	kinds [results.NumErrorKinds]atomic.Uint64
}

const sinkCost = 50 * time.Microsecond

func (s *slowSink) Outcome(o *results.Outcome) {
	s.kinds[o.Err].Add(1)
	time.Sleep(sinkCost)
}

func (s *slowSink) Write(results.AckedWrite) {}

func (s *slowSink) total() (n uint64) {
	for i := range s.kinds {
		n += s.kinds[i].Load()
	}
	return n
}

// bulkSink is a slowSink that takes bulk drops too.
type bulkSink struct {
	slowSink
	mu    sync.Mutex
	drops []Drop
}

func (s *bulkSink) Dropped(d Drop) {
	s.mu.Lock()
	s.drops = append(s.drops, d)
	s.mu.Unlock()
}

// peaks samples the heap in use and the goroutines while a run goes on.
type peaks struct {
	heap, goroutines atomic.Uint64
	stop             chan struct{}
	done             sync.WaitGroup
}

func samplePeaks(every time.Duration) *peaks {
	p := &peaks{stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			p.heap.Store(max(p.heap.Load(), ms.HeapInuse))
			p.goroutines.Store(max(p.goroutines.Load(), uint64(runtime.NumGoroutine())))
			select {
			case <-p.stop:
				return
			case <-tk.C:
			}
		}
	}()
	return p
}

func (p *peaks) end() { close(p.stop); p.done.Wait() }

// TestOverloadEndsInTimeAndAccountsForEveryArrival runs MaxRate, which this
// machine cannot sustain, against a slow loopback server through a slow
// sink. The run must end within its duration plus the timeout plus a drain;
// every arrival must be sent or dropped; the driver's own goroutines and its
// heap must stay bounded by MaxWorkers, not grow with the arrivals.
func TestOverloadEndsInTimeAndAccountsForEveryArrival(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		for _, bulk := range []bool{false, true} {
			t.Run(fmt.Sprintf("drop sink %v", bulk), func(t *testing.T) { testOverload(t, bulk) })
		}
	})
}

func testOverload(t *testing.T, bulk bool) {
	var got atomic.Int64
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		select {
		case <-time.After(200 * time.Millisecond):
		case <-r.Context().Done():
		}
		okHandler("eastus")(w, r)
	})
	var sink Sink
	var slow *slowSink
	var bs *bulkSink
	if bulk {
		bs = &bulkSink{}
		sink, slow = bs, &bs.slowSink
	} else {
		slow = &slowSink{}
		sink = slow
	}
	const (
		duration   = 2 * time.Second
		timeout    = time.Second
		maxWorkers = 500
	)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseHeap, baseG := ms.HeapInuse, uint64(runtime.NumGoroutine())
	pk := samplePeaks(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	cfg := Config{Targets: map[string]string{"us": srv.URL}, Rate: MaxRate, Duration: duration,
		Timeout: timeout, MaxWorkers: maxWorkers, Journeys: single(StepBrowse), noEventLoop: useWorkers, rootCAs: testRoots}
	if cfg.MaxRunTime() != duration+timeout {
		t.Fatalf("MaxRunTime %s, want the duration plus the timeout of the one step", cfg.MaxRunTime())
	}
	st, err := Run(ctx, cfg, sink)
	took := time.Since(start)
	pk.end()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("took %s; %+v; heap +%d KB, goroutines %d -> %d", took, st, (pk.heap.Load()-baseHeap)>>10, baseG, pk.goroutines.Load())

	// In flight at the end: due by the schedule's end, so done by its
	// deadline (due + timeout). The drain: the individual drops handled
	// between two looks at the clock (lateCheck of them at sinkCost), and a
	// second of slack for a busy 2-core machine (the scheduler, the GC).
	if limit := cfg.MaxRunTime() + lateCheck*sinkCost + time.Second; took > limit {
		t.Fatalf("the run took %s, more than duration + timeout + drain = %s", took, limit)
	}
	// The schedule's arrivals, every one sent or dropped.
	if want := uint64(MaxRate * duration.Seconds()); st.Arrivals != want || st.Sent+st.Dropped != want {
		t.Fatalf("arrivals %d, sent %d + dropped %d: want %d", st.Arrivals, st.Sent, st.Dropped, want)
	}
	if st.BulkDropped == 0 || st.BulkDropped > st.Dropped {
		t.Fatalf("bulk dropped %d of %d: the generator fell behind, want a bulk skip", st.BulkDropped, st.Dropped)
	}
	// What the sink was told adds up to the stats.
	told := slow.total()
	if bulk {
		for _, d := range bs.drops {
			if d.ClientRegion != "us" || d.Step != StepBrowse || d.To.Before(d.From) || d.From.Before(start) {
				t.Fatalf("drop %+v", d)
			}
			told += d.N
		}
	}
	if want := st.Sent + st.Dropped - map[bool]uint64{false: st.BulkDropped, true: 0}[bulk]; told != want {
		t.Fatalf("sink told of %d requests, want %d (sent %d, dropped %d, in bulk %d)", told, want, st.Sent, st.Dropped, st.BulkDropped)
	}
	// The server's count: every request sent reached it, but for those that
	// failed (a timed-out one may have gone before the server read it).
	failed := st.Sent - slow.kinds[results.ErrNone].Load()
	if n := uint64(got.Load()); n > st.Sent || n+failed < st.Sent {
		t.Fatalf("server saw %d, driver sent %d of which %d failed", n, st.Sent, failed)
	}
	// Bounded by MaxWorkers: journeys in progress, the driver's goroutines
	// (one per worker; the server's own are one or two per connection, at
	// most one connection per worker, plus those of connections closed at a
	// timeout), and the heap (a generous 64 KB per journey in progress plus
	// 16 MB; a queue of the 400,000 arrivals would take more).
	if st.Workers > maxWorkers {
		t.Fatalf("%d journeys in progress at once, want <= %d", st.Workers, maxWorkers)
	}
	if g := pk.goroutines.Load(); g > baseG+5*maxWorkers+16 {
		t.Fatalf("%d goroutines at the peak (%d before)", g, baseG)
	}
	if grew := pk.heap.Load() - min(baseHeap, pk.heap.Load()); grew > maxWorkers*64<<10+16<<20 {
		t.Fatalf("heap grew by %d MB", grew>>20)
	}
}
