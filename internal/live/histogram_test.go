package live

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/slocheck/slocheck/results"
)

// TestLatencyHistogramMatchesClientGolang records latencies through a real
// results.Recorder into the live metrics (built from the stream's interval
// histograms when scraped) and, one by one, into client_golang's own
// histogram with the same classic buckets and the native resolution the
// export ends at: every classic bucket, the native schema and every native
// bucket are equal, the count too, the sum within the stream's resolution.
// Latencies within 0.3 % of a bucket boundary are left out (the stream keeps
// a latency to within 0.1 %). The wide case populates more than 160 native
// buckets at schema 3, so the export halves its resolution to schema 2.
func TestLatencyHistogramMatchesClientGolang(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max time.Duration
		factor   float64 // client_golang's bucket factor for the schema the export should end at
		schema   int32
	}{
		{"loopback to timeout", 100 * time.Microsecond, 3 * time.Second, 1.1, 3},
		{"wide", 2 * time.Microsecond, 80 * time.Second, 1.19, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const timeout = 90 * time.Second
			truth := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "truth", Buckets: latencyBuckets,
				NativeHistogramBucketFactor: tc.factor, NativeHistogramMaxBucketNumber: 10_000})
			outs := latencyOutcomes(tc.min, tc.max, tc.factor, truth)
			m := NewMetrics(timeout)
			feed(t, m, timeout, outs)
			got, want := latencyMetric(t, m), writeMetric(t, truth).Histogram
			if got.GetSampleCount() != want.GetSampleCount() || got.GetSampleCount() < 10_000 {
				t.Fatalf("count %d, client_golang %d (want >= 10000 latencies kept)", got.GetSampleCount(), want.GetSampleCount())
			}
			if d := got.GetSampleSum() - want.GetSampleSum(); math.Abs(d) > want.GetSampleSum()*0.001+float64(want.GetSampleCount())*1e-6 {
				t.Errorf("sum %.6f, client_golang %.6f", got.GetSampleSum(), want.GetSampleSum())
			}
			for i, b := range want.Bucket {
				if gb := got.Bucket[i]; gb.GetUpperBound() != b.GetUpperBound() || gb.GetCumulativeCount() != b.GetCumulativeCount() {
					t.Errorf("classic bucket le=%g: %d, client_golang le=%g: %d", gb.GetUpperBound(), gb.GetCumulativeCount(), b.GetUpperBound(), b.GetCumulativeCount())
				}
			}
			if got.GetSchema() != tc.schema || want.GetSchema() != tc.schema {
				t.Fatalf("schema %d, client_golang %d, want %d", got.GetSchema(), want.GetSchema(), tc.schema)
			}
			gn, wn := nativeBuckets(got), nativeBuckets(want)
			if len(gn) != len(wn) || len(gn) > maxNativeBuckets {
				t.Errorf("%d native buckets, client_golang %d (at most %d)", len(gn), len(wn), maxNativeBuckets)
			}
			for k, n := range wn {
				if gn[k] != n {
					t.Errorf("native bucket %d: %d, client_golang %d", k, gn[k], n)
				}
			}
		})
	}
}

// latencyOutcomes are successful requests with latencies spread evenly on a
// log scale from min to max, in whole microseconds, each also observed by
// truth; those near a classic or native bucket boundary are left out.
func latencyOutcomes(min, max time.Duration, factor float64, truth prometheus.Histogram) []results.Outcome {
	r := rand.New(rand.NewPCG(17, 17))
	perOctave := 8.0
	if factor > 1.1 {
		perOctave = 4
	}
	start := time.Now().Truncate(time.Second)
	var outs []results.Outcome
	for len(outs) < 12_000 {
		lat := time.Duration(math.Exp(math.Log(float64(min)) + r.Float64()*math.Log(float64(max)/float64(min)))).Truncate(time.Microsecond)
		s := lat.Seconds()
		if nearBoundary(s, perOctave) {
			continue
		}
		at := start.Add(time.Duration(len(outs)) * 100 * time.Microsecond)
		outs = append(outs, results.Outcome{ClientRegion: "us", Step: "browse", Intended: at, Sent: at, End: at.Add(lat), Status: 200})
		truth.Observe(s)
	}
	return outs
}

func nearBoundary(s, perOctave float64) bool {
	for _, b := range latencyBuckets {
		if math.Abs(s-b) <= b*0.003 {
			return true
		}
	}
	x := math.Log2(s) * perOctave
	return math.Abs(x-math.Round(x)) <= perOctave*math.Log2(1.003)
}

// latencyMetric scrapes m's registry for the latency histogram of client
// region us.
func latencyMetric(t *testing.T, m *Metrics) *dto.Histogram {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == MetricLatency && len(f.Metric) == 1 {
			return f.Metric[0].Histogram
		}
	}
	t.Fatalf("no single %s in the scrape", MetricLatency)
	return nil
}

func writeMetric(t *testing.T, m prometheus.Metric) *dto.Metric {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// nativeBuckets decodes a native histogram's positive spans and deltas.
func nativeBuckets(h *dto.Histogram) map[int]int64 {
	out := map[int]int64{}
	i, n, d := 0, int64(0), 0
	for _, sp := range h.PositiveSpan {
		i += int(sp.GetOffset())
		for range sp.GetLength() {
			n += h.PositiveDelta[d]
			d++
			if n != 0 {
				out[i] = n
			}
			i++
		}
	}
	return out
}

// TestSendLagHistogram feeds the send lag buckets as the health sampler
// hands them (upper bound, count) and checks the classic buckets against
// the lags counted directly.
func TestSendLagHistogram(t *testing.T) {
	m := NewMetrics(time.Second)
	type bucket struct {
		upper time.Duration
		n     uint64
	}
	in := []bucket{{3 * time.Microsecond, 5}, {63*time.Microsecond + 999, 7}, {128*time.Microsecond - 1, 11}, {2*time.Millisecond - 1, 13}, {3 * time.Second, 2}}
	m.SendLags(func(yield func(time.Duration, uint64) bool) {
		for _, b := range in {
			if !yield(b.upper, b.n) {
				return
			}
		}
	})
	var h *dto.Histogram
	fams, _ := m.Registry().Gather()
	for _, f := range fams {
		if f.GetName() == MetricSendLag {
			h = f.Metric[0].Histogram
		}
	}
	if h == nil || h.GetSampleCount() != 38 {
		t.Fatalf("send lag histogram %v: want 38 lags", h)
	}
	for _, b := range h.Bucket {
		var want uint64
		for _, x := range in {
			if x.upper.Seconds() <= b.GetUpperBound() {
				want += x.n
			}
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("le=%g: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
}
