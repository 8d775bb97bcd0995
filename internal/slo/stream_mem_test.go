package slo

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// steadyRun is minutes of a steady 2,000 req/s run of one client region and
// step, each 1 s interval's latencies spread log-uniformly over 1-60 ms as a
// loaded target's are: about 1,300 populated histogram buckets (6-7 KB
// packed) per interval.
func steadyRun(minutes int) *results.Run {
	run := &results.Run{Header: results.Header{Schema: "slocheck/results/v1", Scenario: "steady", Engine: "go", Target: "embedded",
		Started: t0, Interval: results.Duration(time.Second), Regions: []string{"eu"}, ClientRegions: []string{"eu"},
		Steps: []string{"browse"}, Targets: results.DefaultTargets()}}
	x := uint64(18)
	for sec := range minutes * 60 {
		iv := results.Interval{Start: at(float64(sec)), ClientRegion: "eu", Step: "browse",
			Packed: results.NewPackedLatencyHistogram(), ServedBy: map[string]uint64{"eu": 2000}}
		for range 2000 {
			x = x*6364136223846793005 + 1442695040888963407 // a PCG step: the same spread in every run
			u := float64(x>>11) / (1 << 53)
			_ = iv.Packed.RecordValue(int64(1000 * math.Exp(u*math.Log(60))))
		}
		iv.Counts[results.ErrNone] = 2000
		run.Intervals = append(run.Intervals, iv)
		run.Health = append(run.Health, results.Health{Start: iv.Start, Sends: 2000, CPUs: 2})
	}
	run.Trailer = &results.Trailer{Ended: at(float64(minutes * 60)), Reason: "completed", Requests: uint64(minutes) * 120_000}
	return run
}

// liveHeap checks the live heap at checkpoints: at every 30th interval
// record of each pass over the stream, and once the report is made. A
// checkpoint collects the garbage first, so what it sees is what the
// evaluation holds, whatever the collector's pace.
type liveHeap struct {
	Stream
	n          int
	base, peak uint64
}

func newLiveHeap(s Stream) *liveHeap {
	h := &liveHeap{Stream: s}
	h.base = h.live()
	h.peak = h.base
	return h
}

func (h *liveHeap) live() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func (h *liveHeap) check() { h.peak = max(h.peak, h.live()) }

func (h *liveHeap) counting(fn func(*results.Interval) error) func(*results.Interval) error {
	return func(iv *results.Interval) error {
		if h.n++; h.n%30 == 0 {
			h.check()
		}
		return fn(iv)
	}
}

func (h *liveHeap) First(fn func(*results.Interval) error) (*results.Run, error) {
	return h.Stream.First(h.counting(fn))
}

func (h *liveHeap) Again(fn func(*results.Interval) error) error {
	return h.Stream.Again(h.counting(fn))
}

// TestEvaluateStreamPeakHeapFlat: evaluating a 10-minute stream holds about
// what a 1-minute one does. Reading the whole Run first kept every
// interval's packed histogram (6-7 KB each) and more: 5.5 MB more for the 540
// more intervals (measured on f4fc732, checkpoints after the read and after
// the judgement). In passes, what grows per interval is the report's own
// timeline (two points, each with its served-by map) and a few numbers (the
// series, the health record, the first pass's index): about 1 KB, 0.55 MB
// for the 540, so the bound is 1 MB.
func TestEvaluateStreamPeakHeapFlat(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's heap is not the product's")
	}
	peaks := map[int]uint64{}
	for _, minutes := range []int{1, 10} {
		path := filepath.Join(t.TempDir(), results.FileName)
		if err := os.WriteFile(path, encode(t, steadyRun(minutes)), 0o644); err != nil {
			t.Fatal(err)
		}
		h := newLiveHeap(&results.FileScan{Path: path})
		rep, err := EvaluateStream(h, Options{})
		if err != nil {
			t.Fatal(err)
		}
		h.check()
		peaks[minutes] = h.peak - h.base
		if want := uint64(minutes) * 120_000; rep.Requests != want {
			t.Fatalf("%d min: %d requests evaluated, want %d", minutes, rep.Requests, want)
		}
		t.Logf("%2d min: peak heap %.2f MB", minutes, float64(peaks[minutes])/1e6)
	}
	if grew := int64(peaks[10]) - int64(peaks[1]); grew > 1<<20 {
		t.Errorf("the 10-minute evaluation holds %.2f MB more than the 1-minute one, want under 1 MB", float64(grew)/1e6)
	}
}
