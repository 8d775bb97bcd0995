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
