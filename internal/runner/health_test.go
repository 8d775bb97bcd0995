package runner

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/results"
)

// Every lag falls in a bucket whose upper edge is at least the lag and at
// most 25 % (or 1 µs) above it, and buckets follow the order of lags.
func TestLagBuckets(t *testing.T) {
	prev := -1
	for us := int64(0); us < 1<<31; us = us*9/8 + 1 {
		d := time.Duration(us) * time.Microsecond
		b := lagBucket(d)
		if b < prev {
			t.Fatalf("lag %v in bucket %d, before the bucket %d of a smaller lag", d, b, prev)
		}
		prev = b
		up := lagUpper(b)
		if up < d || float64(up) > float64(d)*1.25+float64(time.Microsecond) {
			t.Fatalf("lag %v: bucket %d's upper edge %v", d, b, up)
		}
	}
	if b := lagBucket(100 * time.Hour); b != lagBuckets-1 {
		t.Errorf("a 100 h lag in bucket %d, want the last", b)
	}
}

// A slot's p99 and max against the exact order statistics of the lags put in.
func TestLagSlotStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s lagSlot
	lags := make([]time.Duration, 5000)
	for i := range lags {
		lags[i] = time.Duration(rng.ExpFloat64() * float64(3*time.Millisecond))
		s.add(lags[i])
	}
	slices.Sort(lags)
	st := s.take(7)
	exact := lags[(len(lags)*99+99)/100-1]
	if st.n != uint64(len(lags)) || st.max != lags[len(lags)-1] {
		t.Fatalf("n %d max %v, want %d and %v", st.n, st.max, len(lags), lags[len(lags)-1])
	}
	if st.p99 < exact || float64(st.p99) > float64(exact)*1.25 {
		t.Errorf("p99 %v, the exact one %v: want within its bucket (+25 %%)", st.p99, exact)
	}
	if s.idx.Load() != 7 || s.take(8).n != 0 {
		t.Error("take did not empty the slot and hand it on")
	}
}

// The sampler writes one record per interval with the sends of that
// interval (by their send time), each interval once, up to the stop.
func TestHealthSamplerIntervals(t *testing.T) {
	var buf bytes.Buffer
	start := time.Now()
	h := results.Header{Scenario: "t", Engine: "go", Started: start, Interval: results.Duration(100 * time.Millisecond), ClientRegions: []string{"us"}, Steps: []string{"browse"}}
	rec, err := results.NewRecorder(h, &lockedWriter{w: &buf}, results.WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	over := time.Duration(0)
	hs := startHealth(rec, healthConfig{Start: start, Interval: 100 * time.Millisecond, Timeout: 50 * time.Millisecond,
		Overshoot: func() time.Duration { over += time.Millisecond; return over }})
	// Intervals 0, 2 and 4 each get k+1 sends with lag (k+1) ms.
	for k := 0; k <= 4; k += 2 {
		for range k + 1 {
			at := start.Add(time.Duration(k)*100*time.Millisecond + 10*time.Millisecond)
			hs.observe(&results.Outcome{Intended: at, Sent: at.Add(time.Duration(k+1) * time.Millisecond)})
		}
	}
	hs.observe(&results.Outcome{Intended: start}) // dropped: not a send
	time.Sleep(time.Until(start.Add(520 * time.Millisecond)))
	hs.stop()
	if err := rec.Close(results.Trailer{}); err != nil {
		t.Fatal(err)
	}
	run, err := results.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Health) < 6 {
		t.Fatalf("%d health records, want one per interval (6 begun by the stop)", len(run.Health))
	}
	for i, r := range run.Health {
		want := start.Add(time.Duration(i) * 100 * time.Millisecond)
		if !r.Start.Equal(want) || r.CPUs < 1 || r.TimerOvershootMax <= 0 {
			t.Fatalf("record %d: start %v cpus %d overshoot %v, want %v, >= 1, > 0", i, r.Start, r.CPUs, r.TimerOvershootMax, want)
		}
		wantSends, wantLag := uint64(0), time.Duration(0)
		if i%2 == 0 && i <= 4 {
			wantSends, wantLag = uint64(i+1), time.Duration(i+1)*time.Millisecond
		}
		if r.Sends != wantSends || r.SendLagMax.Std() != wantLag {
			t.Errorf("record %d: %d sends, max lag %v; want %d, %v", i, r.Sends, r.SendLagMax.Std(), wantSends, wantLag)
		}
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// BenchmarkLagObserve is the request path's cost of the send-lag histogram,
// from every CPU at once, beside the mutex-guarded HDR histogram it is not.
func BenchmarkLagObserve(b *testing.B) {
	start := time.Now()
	b.Run("atomic-buckets", func(b *testing.B) {
		hs := &healthSampler{cfg: healthConfig{Start: start, Interval: time.Second}, lags: make([]lagSlot, 8)}
		for i := range hs.lags {
			hs.lags[i].idx.Store(int64(i))
		}
		b.RunParallel(func(pb *testing.PB) {
			o := results.Outcome{Intended: start, Sent: start.Add(300 * time.Microsecond)}
			for pb.Next() {
				hs.observe(&o)
			}
		})
	})
	b.Run("hdr-mutex", func(b *testing.B) {
		var mu sync.Mutex
		h := hdrhistogram.New(1, int64(time.Minute/time.Microsecond), 2)
		b.RunParallel(func(pb *testing.PB) {
			o := results.Outcome{Intended: start, Sent: start.Add(300 * time.Microsecond)}
			for pb.Next() {
				mu.Lock()
				_ = h.RecordValue(int64(o.Sent.Sub(o.Intended) / time.Microsecond))
				mu.Unlock()
			}
		})
	})
}
