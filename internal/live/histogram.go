package live

import (
	"math"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/slocheck/slocheck/results"
)

// Native histograms: schema 3 (eight buckets per power of two, each 9 %
// wide: what client_golang picks for a bucket factor of 1.1), at most
// maxNativeBuckets buckets (halving the resolution beyond, as client_golang
// does), the zero bucket at client_golang's default threshold.
const (
	nativeSchema     = 3
	maxNativeBuckets = 160
)

// nativeBounds are schema 3's bucket bounds within one power of two, as
// fractions of math.Frexp (client_golang's nativeHistogramBounds[3]).
var nativeBounds = func() []float64 {
	b := make([]float64, 1<<nativeSchema)
	for i := range b {
		b[i] = math.Exp2(float64(i)/float64(len(b))) / 2
	}
	return b
}()

// histogram is a cumulative histogram built from already bucketed data (the
// stream's latency histograms, the sampler's send lags), exported as one
// Prometheus histogram: classic buckets, and native ones when asked.
type histogram struct {
	upper   []float64     // classic buckets' upper bounds
	classic []uint64      // per classic bucket, not cumulative; the last is +Inf
	native  map[int]int64 // schema nativeSchema; nil: classic only
	zero    uint64
	count   uint64
	sum     float64
}

func newHistogram(upper []float64, native bool) *histogram {
	h := &histogram{upper: upper, classic: make([]uint64, len(upper)+1)}
	if native {
		h.native = map[int]int64{}
	}
	return h
}

// add counts n values that share a bucket of the source, which v stands for
// (in the classic and native buckets), and whose mean is mean (in the sum).
func (h *histogram) add(v, mean float64, n uint64) {
	h.classic[sort.SearchFloat64s(h.upper, v)] += n
	h.count += n
	h.sum += mean * float64(n)
	if h.native == nil {
		return
	}
	if v <= prometheus.DefNativeHistogramZeroThreshold {
		h.zero += n
		return
	}
	frac, exp := math.Frexp(v)
	h.native[sort.SearchFloat64s(nativeBounds, frac)+(exp-1)*len(nativeBounds)] += int64(n)
}

// addLatency adds one bucket of a stream latency histogram (µs), for
// PackedHistogram.ForEachBucket.
func (h *histogram) addLatency(value, count int64) bool {
	if count > 0 {
		s := results.LatencyDuration(value).Seconds()
		h.add(s, s, uint64(count))
	}
	return true
}

// metric is the histogram's Prometheus metric as it stands.
func (h *histogram) metric(desc *prometheus.Desc, m *Metrics, labels ...string) prometheus.Metric {
	cum := make(map[float64]uint64, len(h.upper))
	var n uint64
	for i, u := range h.upper {
		n += h.classic[i]
		cum[u] = n
	}
	classic := prometheus.MustNewConstHistogram(desc, h.count, h.sum, cum, labels...)
	if h.native == nil {
		return classic
	}
	buckets, schema := reduceNative(h.native, nativeSchema)
	native := prometheus.MustNewConstNativeHistogram(desc, h.count, h.sum, buckets, nil, h.zero, schema,
		prometheus.DefNativeHistogramZeroThreshold, m.created, labels...)
	return bothHistogram{classic, native}
}

// reduceNative halves the resolution until at most maxNativeBuckets are
// populated (a copy: the cumulative buckets stay at full resolution).
func reduceNative(b map[int]int64, schema int32) (map[int]int64, int32) {
	for len(b) > maxNativeBuckets && schema > -4 {
		half := make(map[int]int64, len(b)/2+1)
		for k, v := range b {
			half[(k+1)>>1] += v // bucket k of schema s lies in bucket ceil(k/2) of schema s-1
		}
		b, schema = half, schema-1
	}
	return b, schema
}

// bothHistogram is one histogram series with classic and native buckets
// (what client_golang's own histogram exposes when given both), written from
// a const classic and a const native histogram of the same values.
type bothHistogram struct{ classic, native prometheus.Metric }

func (b bothHistogram) Desc() *prometheus.Desc { return b.classic.Desc() }

func (b bothHistogram) Write(out *dto.Metric) error {
	if err := b.classic.Write(out); err != nil {
		return err
	}
	var n dto.Metric
	if err := b.native.Write(&n); err != nil {
		return err
	}
	h, nh := out.Histogram, n.Histogram
	h.Schema, h.ZeroThreshold, h.ZeroCount = nh.Schema, nh.ZeroThreshold, nh.ZeroCount
	h.PositiveSpan, h.PositiveDelta, h.CreatedTimestamp = nh.PositiveSpan, nh.PositiveDelta, nh.CreatedTimestamp
	return nil
}

// streamCollector exports what Interval and SendLags added up, when scraped.
type streamCollector Metrics

func (c *streamCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc.requests
	ch <- c.desc.failures
	ch <- c.desc.dropped
	ch <- c.desc.latency
	ch <- c.desc.sendLag
}

func (c *streamCollector) Collect(ch chan<- prometheus.Metric) {
	m := (*Metrics)(c)
	m.mu.Lock()
	defer m.mu.Unlock()
	dropped := map[string]uint64{}
	for _, t := range m.cells {
		var n uint64
		for k, v := range t.counts {
			n += v
			if kind := results.ErrorKind(k); kind.Failed() && v > 0 {
				ch <- prometheus.MustNewConstMetric(m.desc.failures, prometheus.CounterValue, float64(v), t.region, t.step, kind.String())
			}
		}
		if t.tooSlow > 0 {
			ch <- prometheus.MustNewConstMetric(m.desc.failures, prometheus.CounterValue, float64(t.tooSlow), t.region, t.step, TooSlow)
		}
		ch <- prometheus.MustNewConstMetric(m.desc.requests, prometheus.CounterValue, float64(n), t.region, t.step)
		dropped[t.region] += t.counts[results.ErrDropped]
	}
	for r, n := range dropped {
		ch <- prometheus.MustNewConstMetric(m.desc.dropped, prometheus.CounterValue, float64(n), r)
	}
	for _, r := range m.latency {
		ch <- r.h.metric(m.desc.latency, m, r.region)
	}
	ch <- m.sendLag.metric(m.desc.sendLag, m)
}
