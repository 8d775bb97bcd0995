package results

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestFailureRecordsCapped: a run where everything fails keeps at most
// MaxFailuresPerInterval failure records per interval and client region; the
// rest are counted in the intervals only, and the stream says so in a note.
func TestFailureRecordsCapped(t *testing.T) {
	h := testHeader()
	const perInterval = MaxFailuresPerInterval + 500 // in eastus, each of 2 intervals
	var outcomes []Outcome
	for sec := range 2 {
		for i := range perInterval {
			at := t0.Add(time.Duration(sec)*time.Second + time.Duration(i)*time.Second/perInterval)
			outcomes = append(outcomes, Outcome{ClientRegion: "eastus", Step: "cart", Intended: at, End: at.Add(time.Millisecond), Err: ErrRefused})
		}
	}
	// westeurope's few failures in the same intervals are all kept.
	for i := range 10 {
		at := t0.Add(time.Duration(i) * 150 * time.Millisecond)
		outcomes = append(outcomes, Outcome{ClientRegion: "westeurope", Step: "cart", Intended: at, End: at.Add(time.Millisecond), Err: Err5xx, Status: 503})
	}
	slicesSortByEnd(outcomes)
	run := mustRead(t, record(t, h, outcomes))
	var failed uint64
	for i := range run.Intervals {
		failed += run.Intervals[i].Failures()
	}
	if failed != 2*perInterval+10 {
		t.Errorf("interval counts hold %d failures, want every one: %d", failed, 2*perInterval+10)
	}
	kept := map[string]int{}
	for _, f := range run.Failures {
		kept[f.ClientRegion]++
	}
	if kept["eastus"] != 2*MaxFailuresPerInterval || kept["westeurope"] != 10 {
		t.Errorf("kept %v failure records, want eastus %d, westeurope 10", kept, 2*MaxFailuresPerInterval)
	}
	var note string
	for _, e := range run.Events {
		if e.Kind == EventNote {
			note = e.Detail
		}
	}
	if !strings.Contains(note, "1000 failed requests (in 2 intervals") {
		t.Errorf("note %q does not say that 1000 failures in 2 intervals were not kept", note)
	}
}

func slicesSortByEnd(os []Outcome) {
	for i := 1; i < len(os); i++ { // insertion sort is enough: two nearly sorted runs
		for j := i; j > 0 && doneAt(&os[j]).Before(doneAt(&os[j-1])); j-- {
			os[j], os[j-1] = os[j-1], os[j]
		}
	}
}

// TestReadLegacyClientErrors: a stream written while 4xx still counted as
// success (its histogram holds the 4xx latencies too) is still read; its
// 4xx count as failures now.
func TestReadLegacyClientErrors(t *testing.T) {
	h := testHeader()
	iv := Interval{Start: t0, ClientRegion: "eastus", Step: "cart", Packed: NewPackedLatencyHistogram()}
	iv.Counts[ErrNone], iv.Counts[Err4xx] = 3, 2
	for range 5 {
		_ = iv.Packed.RecordValue(1000)
	}
	var buf bytes.Buffer
	if err := Write(&buf, &Run{Header: h, Intervals: []Interval{iv}, Trailer: &Trailer{Ended: t0.Add(time.Second), Reason: "completed"}}); err != nil {
		t.Fatal(err)
	}
	run := mustRead(t, buf.Bytes())
	if got := &run.Intervals[0]; got.Failures() != 2 || got.Successes() != 3 {
		t.Errorf("legacy interval: %d failures, %d successes; want 2, 3", got.Failures(), got.Successes())
	}
	// A new producer must not hand such an interval in.
	r, err := NewRecorder(h, &bytes.Buffer{}, WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.RecordInterval(&iv); err == nil {
		t.Error("RecordInterval accepted a histogram holding 4xx latencies")
	}
	_ = r.Close(Trailer{})
}
