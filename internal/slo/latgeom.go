package slo

import (
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/results"
)

// minLatencyHighest is the least range an evaluation histogram gets (µs):
// one bucket of sub-buckets at 3 digits, so a run of fast answers still
// gets a valid geometry.
const minLatencyHighest = 2048

// latencyHighest is the largest latency (µs) an interval holds, 0 when none.
// The largest of a run's intervals, at least minLatencyHighest, is the range
// the evaluation's histograms need (ivFacts.latHigh): a run's successes are
// at most its timeout, far below the stream format's one hour.
func latencyHighest(iv *results.Interval) int64 {
	switch {
	case iv.Packed != nil && iv.Packed.TotalCount() > 0:
		return iv.Packed.Max()
	case iv.Latency != nil && iv.Latency.TotalCount() > 0:
		return iv.Latency.Max()
	}
	return 0
}

// newLatencyHistogram is an empty dense histogram with the stream's
// geometry (lowest value and digits: the same buckets, so quantiles and
// counts are the same) up to highest instead of an hour: 57 KB for a run
// whose slowest success took 40 ms, against 188 KB, for each of the
// evaluation's groups and scratch histograms.
func newLatencyHistogram(highest int64) *hdrhistogram.Histogram {
	return hdrhistogram.New(results.LatencyLowest, highest, results.LatencyDigits)
}
