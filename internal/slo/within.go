package slo

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/results"
)

// LatencyWithinName is the objective of the share of all requests answered
// successfully within the latency target (DESIGN.md §2, latency over all
// requests).
const LatencyWithinName = "latency-within"

// CountWithin is how many latencies of h (microseconds) are at most target:
// the counts of the buckets whose every value is at most target. A bucket
// straddling the target is left out, so the count errs low, by at most the
// histogram's 0.1 % precision in latency, never high.
func CountWithin(h *hdrhistogram.Histogram, target time.Duration) uint64 {
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	// Walk a packed copy, which holds only the populated buckets:
	// Distribution built a bar for every bucket of the range, about 0.5 MB for
	// the stream's one-hour geometry, at every call.
	p := hdrhistogram.NewPacked(h.LowestTrackableValue(), h.HighestTrackableValue(), int(h.SignificantFigures()))
	p.MergeFrom(h)
	return countBuckets(p, h, target)
}

// countWithin is CountWithin of an interval's latencies; geometry is any
// histogram of the stream's geometry (lowest value and digits).
func countWithin(iv *results.Interval, geometry *hdrhistogram.Histogram, target time.Duration) uint64 {
	if iv.Packed == nil {
		return CountWithin(iv.Latency, target)
	}
	return countBuckets(iv.Packed, geometry, target)
}

// countBuckets is the count of p's buckets whose every value is at most
// target, bucket equivalence as in geometry.
func countBuckets(p *hdrhistogram.PackedHistogram, geometry *hdrhistogram.Histogram, target time.Duration) uint64 {
	limit := target.Microseconds()
	var n uint64
	p.ForEachBucket(func(lowest, count int64) bool {
		// Every value of the bucket is at most limit when limit+1 falls in
		// a later bucket.
		if lowest > limit || geometry.ValuesAreEquivalent(lowest, limit+1) {
			return false
		}
		n += uint64(count)
		return true
	})
	return n
}

// latencyWithinObjectives are the shares of all requests (failures and drops
// included) answered successfully within the latency target, overall
// (deciding when Targets.LatencyWithinDecides) and per client region (INFO),
// with the Wilson interval of availability. Unlike the quantile over
// successes, a timeout can only lower them.
func (e *evaluation) latencyWithinObjectives() []Objective {
	out := []Objective{e.latencyWithin("overall", e.all, e.targets.LatencyWithinDecides)}
	for _, r := range e.regions {
		out = append(out, e.latencyWithin("region:"+r, e.byRegion[r], false))
	}
	return out
}

func (e *evaluation) latencyWithin(scope string, g *group, deciding bool) Objective {
	target := e.targets.P99.Std()
	within := CountWithin(g.latency, target)
	o := availabilityObjective(scope, within, g.requests, e.targets.Quantile)
	o.Name = LatencyWithinName
	o.Detail = fmt.Sprintf("%d of %d requests answered successfully within %s", within, g.requests, target)
	// Would it still fail had every request been early by the run's worst
	// lateness (counted within target + it), or each by its own interval's
	// request lateness?
	if q := e.targets.Quantile; deciding && o.Verdict == Fail {
		switch {
		case Wilson(CountWithin(g.latency, target+e.late.Max), g.requests, Z95).Decide(q) != Fail:
			o.Verdict, o.Reason, o.RequestsToDecide = Inconclusive, LateReason(e.late.Max), 0
		case Wilson(e.belowLate(g, target), g.requests, Z95).Decide(q) != Fail:
			o.Verdict, o.Reason, o.RequestsToDecide = Inconclusive, LateReason(e.reqLateMax()), 0
		}
	}
	if !deciding {
		o.Verdict, o.RequestsToDecide, o.Reason = Info, 0, ""
	}
	return o
}
