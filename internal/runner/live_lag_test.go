package runner

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/live"
)

// The send lag histogram the live metrics export from the health sampler's
// buckets counts every lag in the right classic bucket: each bucket's
// cumulative count equals the lags at most its bound, counted one by one.
func TestLiveSendLagBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s lagSlot
	lags := make([]time.Duration, 20_000)
	for i := range lags {
		lags[i] = time.Duration(rng.ExpFloat64()*float64(2*time.Millisecond)) | 1 // odd nanoseconds: never exactly on a bound (that one would count above it)
		s.add(lags[i])
	}
	st := s.take(1)
	m := live.NewMetrics(time.Second)
	m.SendLags(st.buckets)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != live.MetricSendLag {
			continue
		}
		h := f.Metric[0].GetHistogram()
		if h.GetSampleCount() != uint64(len(lags)) || len(h.Bucket) < 10 {
			t.Fatalf("%d lags in %d buckets, want %d in >= 10", h.GetSampleCount(), len(h.Bucket), len(lags))
		}
		for _, b := range h.Bucket {
			var want uint64
			for _, l := range lags {
				if l.Seconds() <= b.GetUpperBound() {
					want++
				}
			}
			if b.GetCumulativeCount() != want {
				t.Errorf("le=%g: %d, counted one by one %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
			}
		}
		return
	}
	t.Fatalf("no %s", live.MetricSendLag)
}
