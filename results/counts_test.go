package results

import (
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// TestCountsIsSnapshotWithoutLatency: Counts gives Snapshot's counters (slots,
// flushed totals and spilled stragglers alike) with no latency, and does not
// allocate a histogram.
func TestCountsIsSnapshotWithoutLatency(t *testing.T) {
	clock := &fakeClock{t: t0}
	r, _ := NewRecorder(testHeader(), io.Discard, WithClock(clock.Now), WithoutTicker())
	// 100 requests 30 ms apart, every tenth reset: the first 51 flushed
	// (totals), the rest still in their slots.
	record := func(from, to int) {
		for i := from; i < to; i++ {
			due := t0.Add(time.Duration(i) * 30 * time.Millisecond)
			o := Outcome{ClientRegion: "eastus", Step: "catalog", Intended: due, End: due.Add(time.Duration(i+1) * time.Millisecond)}
			if i%10 == 0 {
				o.Err = ErrReset
			}
			r.Record(&o)
		}
	}
	record(0, 51)
	clock.Set(t0.Add(2 * time.Second))
	_ = r.Flush()
	record(51, 100)
	r.Record(&Outcome{ClientRegion: "westeurope", Step: "cart", Intended: t0, Err: ErrDropped})
	clock.Set(t0.Add(3 * time.Second))
	s, c := r.Snapshot(), r.Counts()
	if c.Requests != s.Requests || c.Failures != s.Failures || c.Dropped != s.Dropped || c.Elapsed != s.Elapsed ||
		c.Requests != 101 || c.Failures != 11 || c.Dropped != 1 {
		t.Fatalf("counts %+v, snapshot %+v", c, s)
	}
	if c.P99 != 0 || s.P99 == 0 {
		t.Fatalf("counts p99 %v (want 0), snapshot p99 %v", c.P99, s.P99)
	}
	for i := range c.Regions {
		if a, b := c.Regions[i], s.Regions[i]; a.ClientRegion != b.ClientRegion || a.Requests != b.Requests || a.Failures != b.Failures || a.P99 != 0 {
			t.Fatalf("region %d: counts %+v, snapshot %+v", i, a, b)
		}
	}
	dense := hdrhistogram.New(LatencyLowest, LatencyHighest, LatencyDigits).ByteSize()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		_ = r.Counts()
	}
	runtime.ReadMemStats(&after)
	if per := int64(after.TotalAlloc-before.TotalAlloc) / 10; per >= int64(dense)/10 {
		t.Errorf("Counts allocates %d B a call; a dense histogram is %d B", per, dense)
	}
}
