// Command slocheck-load drives slocheck's Go driver (internal/driver) at a
// fixed rate against one URL with a single-step journey (GET /catalog) and
// counts the outcomes in memory: the same work bench/vegeta-load does with
// vegeta, so the two generators' CPU and memory can be compared side by side.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/bench/internal/loadstat"
	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/results"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "slocheck-load:", err)
		os.Exit(1)
	}
}

func run() error {
	target := flag.String("target", "", "base URL (loopback)")
	rate := flag.Float64("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	timeout := flag.Duration("timeout", 2*time.Second, "per-request timeout")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	steps := flag.String("steps", "reference", "reference (GET /catalog), post (one fixed POST) or templated (the same POST with a path variable, a header and a 20-byte JSON body rendered per request)")
	flag.Parse()
	if *target == "" {
		return fmt.Errorf("-target is required")
	}
	if *cpuProfile != "" {
		stop, err := startProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	sink := countingSink{lat: hdrhistogram.New(1, max(timeout.Microseconds(), 2048), 2),
		lag: hdrhistogram.New(1, max(timeout.Microseconds(), 2048), 2)}
	cfg := driver.Config{
		Targets:  map[string]string{"bench": *target},
		Rate:     *rate,
		Duration: *duration,
		Timeout:  *timeout,
		Journeys: []driver.Journey{{Name: "browse", Weight: 1, Steps: []string{driver.StepBrowse}}},
	}
	gen := "slocheck"
	switch *steps {
	case "reference":
	case "post", "templated":
		cfg.Steps, cfg.Journeys, gen = benchSteps(*steps == "templated"), nil, "slocheck-"+*steps
	default:
		return fmt.Errorf("-steps %q: want reference, post or templated", *steps)
	}
	heap := sampleLiveHeap()
	var ds driver.Sink = &sink
	st, err := driver.Run(context.Background(), cfg, ds)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "slocheck-load: driver stats %+v; outcomes by kind %v\n", st, sink.kinds())
	return loadstat.Print(os.Stdout, gen, sink.n.Load(), sink.errs.Load(),
		time.Unix(0, sink.first.Load()), time.Unix(0, sink.last.Load()),
		fmt.Sprintf("dropped=%d workers=%d live_heap_max_kb=%d p99_ms=%.3f sendlag_p50_ms=%.3f sendlag_p99_ms=%.3f",
			st.Dropped, st.Workers, heap.maxKB(), sink.quantileMS(sink.lat, 99), sink.quantileMS(sink.lag, 50), sink.quantileMS(sink.lag, 99)))
}

// benchSteps is one POST step, fixed (serialised once) or templated (the
// same request shape, rendered per request); internal/driver's
// BenchmarkRunTemplated uses the same pair.
func benchSteps(templated bool) []driver.Step {
	if templated {
		return []driver.Step{{Name: "post", Method: "POST", URL: "/items/{{journey}}",
			Headers: map[string]string{"X-Request-Id": "{{random_id}}"}, Body: `{"n":"{{journey}}"}`}}
	}
	return []driver.Step{{Name: "post", Method: "POST", URL: "/items/1234",
		Headers: map[string]string{"X-Request-Id": "0123456789abcdef"}, Body: `{"n":"1234567890123"}`}}
}

// countingSink counts the requests sent (dropped ones count as errors only)
// and keeps the first and last send times.
type countingSink struct {
	n, errs     atomic.Uint64
	first, last atomic.Int64 // UnixNano of sends
	byKind      [results.NumErrorKinds]atomic.Uint64
	mu          sync.Mutex
	lat         *hdrhistogram.Histogram // µs from the intended start to the end, of every request
	lag         *hdrhistogram.Histogram // µs from the intended start to the send (the send lag)
}

// quantileMS is h's q-th percentile in milliseconds.
func (s *countingSink) quantileMS(h *hdrhistogram.Histogram, q float64) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(h.ValueAtQuantile(q)) / 1000
}

// kinds returns the outcome counts by error kind, for the log.
func (s *countingSink) kinds() map[string]uint64 {
	m := map[string]uint64{}
	for k := range s.byKind {
		if c := s.byKind[k].Load(); c > 0 {
			m[results.ErrorKind(k).String()] = c
		}
	}
	return m
}

func (s *countingSink) Outcome(o *results.Outcome) {
	s.byKind[o.Err].Add(1)
	s.mu.Lock()
	_ = s.lat.RecordValue(o.End.Sub(o.Intended).Microseconds())
	if !o.Sent.IsZero() {
		_ = s.lag.RecordValue(o.Sent.Sub(o.Intended).Microseconds())
	}
	s.mu.Unlock()
	if o.Err != results.ErrNone || o.Status != 200 {
		s.errs.Add(1)
	}
	if o.Sent.IsZero() {
		return // dropped: never sent
	}
	s.n.Add(1)
	t := o.Sent.UnixNano()
	for f := s.first.Load(); (f == 0 || t < f) && !s.first.CompareAndSwap(f, t); f = s.first.Load() {
	}
	for l := s.last.Load(); t > l && !s.last.CompareAndSwap(l, t); l = s.last.Load() {
	}
}

func (s *countingSink) Write(results.AckedWrite) {}

// liveHeap samples the live heap (as of the last GC) every second and keeps
// the largest: what the generator holds while it runs. A generator whose
// memory grew with the number of requests would show a larger figure after a
// long run than after a short one at the same rate.
type liveHeap struct {
	max  atomic.Uint64
	stop chan struct{}
}

func sampleLiveHeap() *liveHeap {
	h := &liveHeap{stop: make(chan struct{})}
	go func() {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > h.max.Load() {
				h.max.Store(v)
			}
		}
	}()
	return h
}

// maxKB stops sampling and returns the largest live heap seen, in KiB.
func (h *liveHeap) maxKB() uint64 {
	close(h.stop)
	return h.max.Load() / 1024
}

// startProfile starts CPU profiling into path and returns its stop.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
