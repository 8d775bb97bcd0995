package slo

import (
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/results"
)

// minLatencyHighest is the least range an evaluation histogram gets (µs):
// one bucket of sub-buckets at 3 digits, so a run of fast answers still
// gets a valid geometry.
const minLatencyHighest = 2048

// runLatencyHighest is the largest latency (µs) any interval of run holds,
// at least minLatencyHighest: the range the evaluation's histograms need.
// A run's successes are at most its timeout, far below the stream format's
// one hour.
func runLatencyHighest(run *results.Run) int64 {
	h := int64(minLatencyHighest)
	for i := range run.Intervals {
		switch iv := &run.Intervals[i]; {
		case iv.Packed != nil && iv.Packed.TotalCount() > 0:
			h = max(h, iv.Packed.Max())
		case iv.Latency != nil && iv.Latency.TotalCount() > 0:
			h = max(h, iv.Latency.Max())
		}
	}
	return h
}

// newLatencyHistogram is an empty dense histogram with the stream's
// geometry (lowest value and digits: the same buckets, so quantiles and
// counts are the same) up to highest instead of an hour: 57 KB for a run
// whose slowest success took 40 ms, against 188 KB, for each of the
// evaluation's groups and scratch histograms.
func newLatencyHistogram(highest int64) *hdrhistogram.Histogram {
	return hdrhistogram.New(results.LatencyLowest, highest, results.LatencyDigits)
}
