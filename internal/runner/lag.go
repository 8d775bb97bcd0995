package runner

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// lagSlot is one interval's send lags: a histogram of fixed log buckets with
// atomic counters, so that every worker adds to it without a lock and no
// worker ever waits for another on the request path. (BenchmarkLagObserve:
// on 2 cores it costs about 13 ns a request, as a mutex-guarded HDR
// histogram does there; 0.013 % of a core at 10k requests a second.)
// Buckets are a quarter octave wide above 4 µs (at most 25 %), exact below.
type lagSlot struct {
	idx    atomic.Int64 // the interval the slot holds now
	n      atomic.Uint64
	max    atomic.Int64 // nanoseconds
	counts [lagBuckets]atomic.Uint64
}

// lagBuckets covers up to 2^32 µs (71 minutes); longer lags share the last.
const lagBuckets = 128

// lagStats is what an interval's slot held.
type lagStats struct {
	n        uint64
	max, p99 time.Duration
	counts   [lagBuckets]uint64 // by lagBucket
}

func (s *lagSlot) add(lag time.Duration) {
	s.counts[lagBucket(lag)].Add(1)
	s.n.Add(1)
	for {
		cur := s.max.Load()
		if int64(lag) <= cur || s.max.CompareAndSwap(cur, int64(lag)) {
			return
		}
	}
}

// take returns the slot's figures, empties it and hands it to interval next.
func (s *lagSlot) take(next int64) lagStats {
	var counts [lagBuckets]uint64
	var st lagStats
	for i := range s.counts {
		counts[i] = s.counts[i].Swap(0)
		st.n += counts[i]
	}
	s.n.Store(0)
	st.max = time.Duration(s.max.Swap(0))
	s.idx.Store(next)
	if st.n == 0 {
		return lagStats{}
	}
	// p99: the upper edge of the bucket holding the ceil(0.99 n)-th lag,
	// never above the largest lag seen.
	rank := (st.n*99 + 99) / 100
	var seen uint64
	for i, c := range counts {
		if seen += c; seen >= rank {
			st.p99 = min(lagUpper(i), st.max)
			break
		}
	}
	st.counts = counts
	return st
}

// lagBucket is the bucket of lag: exact microseconds below 4 µs, then four
// buckets per power of two.
func lagBucket(lag time.Duration) int {
	us := uint64(max(lag, 0) / time.Microsecond)
	if us < 4 {
		return int(us)
	}
	e := bits.Len64(us) - 1 // us in [2^e, 2^(e+1)), e >= 2
	sub := int(us>>(e-2)) & 3
	return min((e-1)*4+sub, lagBuckets-1)
}

// lagUpper is the largest lag bucket b holds.
func lagUpper(b int) time.Duration {
	if b < 4 {
		return time.Duration(b+1)*time.Microsecond - 1
	}
	e, sub := b/4+1, b%4
	return time.Duration(uint64(5+sub)<<(e-2))*time.Microsecond - 1
}
