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
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/internal/results"
)

func main() {
	target := flag.String("target", "", "base URL (loopback)")
	rate := flag.Float64("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	timeout := flag.Duration("timeout", 2*time.Second, "per-request timeout")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuProfile != "" {
		stop, err := startProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "slocheck-load:", err)
			os.Exit(1)
		}
		defer stop()
	}
	if *target == "" {
		fmt.Fprintln(os.Stderr, "slocheck-load: -target is required")
		os.Exit(2)
	}
	var sink countingSink
	cfg := driver.Config{
		Targets:  map[string]string{"bench": *target},
		Rate:     *rate,
		Duration: *duration,
		Timeout:  *timeout,
		Journeys: []driver.Journey{{Name: "browse", Weight: 1, Steps: []string{driver.StepBrowse}}},
	}
	st, err := driver.Run(context.Background(), cfg, &sink)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slocheck-load:", err)
		os.Exit(1) //nolint:gocritic // the profile of a failed run is not wanted
	}
	fmt.Printf("generator=slocheck requests=%d errors=%d rate=%.2f dropped=%d workers=%d driver_rate=%.2f\n",
		sink.n.Load(), sink.errs.Load(), sink.rate(), st.Dropped, st.Workers, st.Rate)
}

// countingSink counts outcomes and keeps the first and last send times, so the
// achieved rate is computed as for vegeta: requests over the span of sends.
type countingSink struct {
	n, errs     atomic.Uint64
	first, last atomic.Int64 // UnixNano of sends
}

func (s *countingSink) Outcome(o *results.Outcome) {
	s.n.Add(1)
	if o.Err != results.ErrNone || o.Status != 200 {
		s.errs.Add(1)
	}
	t := o.Sent.UnixNano()
	s.first.CompareAndSwap(0, t)
	for {
		last := s.last.Load()
		if t <= last || s.last.CompareAndSwap(last, t) {
			return
		}
	}
}

func (s *countingSink) Write(results.AckedWrite) {}

func (s *countingSink) rate() float64 {
	span := time.Duration(s.last.Load() - s.first.Load())
	n := s.n.Load()
	if n < 2 || span <= 0 {
		return 0
	}
	return float64(n) / span.Seconds()
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
