package results

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The latency histograms' geometry, the same in every stream so that any two
// histograms add bucket to bucket: values in microseconds from 1 µs to one
// hour, 3 significant digits (a value is known to within 0.1 %).
const (
	LatencyLowest  int64 = 1                // µs
	LatencyHighest int64 = 3_600_000_000    // µs: one hour; larger successes are recorded as this
	LatencyDigits        = 3                // significant decimal digits
	latencyUnit          = time.Microsecond // the histograms' unit
	maxLatency           = time.Duration(LatencyHighest) * latencyUnit
)

// NewLatencyHistogram returns an empty dense histogram with the stream's
// geometry, for adding intervals into (AddLatencyTo).
func NewLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(LatencyLowest, LatencyHighest, LatencyDigits)
}

// NewPackedLatencyHistogram returns an empty packed histogram with the
// stream's geometry.
func NewPackedLatencyHistogram() *hdrhistogram.PackedHistogram {
	return hdrhistogram.NewPacked(LatencyLowest, LatencyHighest, LatencyDigits)
}

// LatencyValue converts a latency to the histograms' unit (µs), clamped to
// [0, LatencyHighest].
func LatencyValue(d time.Duration) int64 {
	switch {
	case d <= 0:
		return 0
	case d >= maxLatency:
		return LatencyHighest
	}
	return int64(d / latencyUnit)
}

// LatencyDuration converts a histogram value (µs) back to a duration.
func LatencyDuration(v int64) time.Duration { return time.Duration(v) * latencyUnit }

// AddLatencyTo adds the interval's latency histogram (Packed, or Latency when
// Packed is nil) to dst and returns the count dst could not hold.
func (iv *Interval) AddLatencyTo(dst *hdrhistogram.Histogram) (dropped int64) {
	switch {
	case iv.Packed != nil:
		return iv.Packed.MergeInto(dst)
	case iv.Latency != nil:
		return dst.Merge(iv.Latency)
	}
	return 0
}

// LatencyCount is the number of latencies the interval's histogram holds:
// its successful requests.
func (iv *Interval) LatencyCount() int64 {
	switch {
	case iv.Packed != nil:
		return iv.Packed.TotalCount()
	case iv.Latency != nil:
		return iv.Latency.TotalCount()
	}
	return 0
}

// Successes is the requests that succeeded by DESIGN.md §2: answered with a
// success status (ErrNone) and within the timeout. (TooSlow is clamped: a
// stream written while 4xx still counted as success may count slow 4xx in
// it.)
func (iv *Interval) Successes() uint64 {
	return iv.Counts[ErrNone] - min(iv.TooSlow, iv.Counts[ErrNone])
}

// LatencyHistogram adds the latency histograms of the intervals keep accepts
// (all when keep is nil) into a new dense histogram.
func (r *Run) LatencyHistogram(keep func(*Interval) bool) *hdrhistogram.Histogram {
	h := NewLatencyHistogram()
	for i := range r.Intervals {
		if iv := &r.Intervals[i]; keep == nil || keep(iv) {
			iv.AddLatencyTo(h)
		}
	}
	return h
}
