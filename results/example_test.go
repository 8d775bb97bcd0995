package results_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/slocheck/slocheck/results"
)

// A recorder files outcomes; the reader gives them back per interval, also
// from a stream a crash cut short.
func ExampleRecorder() {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	var stream bytes.Buffer
	rec, err := results.NewRecorder(results.Header{Scenario: "demo", Engine: "go", Target: "embedded", Started: start,
		ClientRegions: []string{"eastus"}, Steps: []string{"cart"}}, &stream, results.WithoutTicker())
	if err != nil {
		panic(err)
	}
	for i := range 100 { // 1..100 ms, one request every 10 ms; the last one fails
		o := results.Outcome{ClientRegion: "eastus", Step: "cart", Intended: start.Add(time.Duration(i) * 10 * time.Millisecond), Status: 200}
		o.End = o.Intended.Add(time.Duration(i+1) * time.Millisecond)
		if i == 99 {
			o.Err, o.Status = results.Err5xx, 503
		}
		rec.Record(&o)
	}
	if err := rec.Close(results.Trailer{Ended: start.Add(time.Second), Reason: "completed"}); err != nil {
		panic(err)
	}

	run, err := results.Read(bytes.NewReader(stream.Bytes()))
	if err != nil {
		panic(err)
	}
	iv := run.Intervals[0]
	p99 := run.LatencyHistogram(nil).ValueAtQuantile(99)
	fmt.Println(len(run.Intervals), iv.Requests(), iv.Failures(), results.LatencyDuration(p99), run.Trailer.Reason)

	// A crash cuts the stream: the reader keeps what came before the cut.
	cut, err := results.Read(bytes.NewReader(stream.Bytes()[:stream.Len()-10]))
	var te *results.TruncatedError
	fmt.Println(errors.As(err, &te), cut.Trailer == nil, len(cut.Intervals))
	// Output:
	// 1 100 1 98.047ms completed
	// true true 1
}

// Two generators share eastus's traffic by segment and a conductor injects
// the fault; each process wrote its own stream. The Merger adds their
// histograms and reconciles the fault both the conductor and a generator
// reported (their clocks 20 ms apart, inside the tolerance) into one.
func ExampleMerger() {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	part := func(name, segment string, latency time.Duration, events ...results.Event) *results.Run {
		h := results.Header{Scenario: "demo", Engine: "go", Target: "embedded", Started: start, Interval: results.Duration(time.Second),
			ClientRegions: []string{"eastus"}, Steps: []string{"cart"}, Role: results.RoleGenerator, Segment: segment, Generator: name}
		iv := results.Interval{Start: start, ClientRegion: "eastus", Step: "cart", Packed: results.NewPackedLatencyHistogram()}
		iv.Counts[results.ErrNone] = 100
		_ = iv.Packed.RecordValues(results.LatencyValue(latency), 100)
		return &results.Run{Header: h, Intervals: []results.Interval{iv}, Events: events}
	}
	injected := results.Event{Time: start.Add(400 * time.Millisecond), Kind: results.EventFaultInjected, Fault: "eastus-down"}
	seen := injected
	seen.Time = seen.Time.Add(20 * time.Millisecond)
	conductor := &results.Run{Header: results.Header{Scenario: "demo", Engine: "go", Target: "embedded", Started: start,
		Interval: results.Duration(time.Second), Role: results.RoleConductor}, Events: []results.Event{injected}}

	m := results.NewMerger(results.MergeOptions{ClockTolerance: 50 * time.Millisecond})
	for _, r := range []*results.Run{part("g1", "0:1/2", 20*time.Millisecond, seen), part("g2", "1/2:1", 90*time.Millisecond), conductor} {
		if err := m.Add("", r); err != nil {
			panic(err)
		}
	}
	run, err := m.Run()
	if err != nil {
		panic(err)
	}
	h := run.LatencyHistogram(nil)
	f := run.Header.Merge.Faults[0]
	fmt.Println(h.TotalCount(), results.LatencyDuration(h.ValueAtQuantile(99)), len(run.Events), f.Sources, f.InjectedSpread.Std())

	// The same share twice is refused: it would count eastus's traffic twice.
	m = results.NewMerger(results.MergeOptions{})
	_ = m.Add("", part("g1", "0:1/2", 20*time.Millisecond))
	_ = m.Add("", part("g3", "1/4:3/4", 20*time.Millisecond))
	_, err = m.Run()
	fmt.Println(errors.Is(err, results.ErrSegmentOverlap))
	// Output:
	// 200 90.047ms 1 [g1 stream 3] 20ms
	// true
}
