package results

import (
	"bytes"
	"testing"
	"time"
)

// The interval observer sees every interval record the stream holds, a
// straggler's second record of an interval included: added up per interval
// and cell, the same counts and latency counts as the stream reads back.
func TestIntervalObserverSeesTheStream(t *testing.T) {
	start := time.Now().Truncate(time.Second)
	now := start
	h := testHeader()
	h.Started = start
	var seen []Interval
	var buf bytes.Buffer
	r, err := NewRecorder(h, &buf, WithoutTicker(), WithClock(func() time.Time { return now }),
		WithIntervalObserver(func(iv *Interval) {
			seen = append(seen, Interval{Start: iv.Start, ClientRegion: iv.ClientRegion, Step: iv.Step, Counts: iv.Counts, TooSlow: iv.TooSlow,
				Packed: iv.Packed.Clone()})
		}))
	if err != nil {
		t.Fatal(err)
	}
	outs := benchOutcomes(start)
	for i := range outs {
		r.Record(&outs[i])
	}
	now = start.Add(2 * time.Second)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	late := outs[0] // a straggler of the first interval, after its record was written
	r.Record(&late)
	if err := r.Close(Trailer{}); err != nil {
		t.Fatal(err)
	}
	run, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Intervals) != 8 || len(seen) != 9 {
		t.Fatalf("observer saw %d records, the stream reads as %d intervals: want 9 records (8 cells and a straggler's) for 8", len(seen), len(run.Intervals))
	}
	type key struct {
		start        int64
		region, step string
	}
	sum := map[key]*Interval{}
	for _, s := range seen {
		k := key{s.Start.UnixNano(), s.ClientRegion, s.Step}
		if sum[k] == nil {
			sum[k] = &Interval{Packed: NewPackedLatencyHistogram()}
		}
		for i, n := range s.Counts {
			sum[k].Counts[i] += n
		}
		sum[k].TooSlow += s.TooSlow
		sum[k].Packed.Merge(s.Packed)
	}
	for _, iv := range run.Intervals {
		s := sum[key{iv.Start.UnixNano(), iv.ClientRegion, iv.Step}]
		if s == nil || s.Counts != iv.Counts || s.TooSlow != iv.TooSlow || s.Packed.TotalCount() != iv.LatencyCount() {
			t.Errorf("interval %v %s/%s: the observer's records add up to %+v, the stream holds %+v", iv.Start, iv.ClientRegion, iv.Step, s, iv)
		}
	}
}
