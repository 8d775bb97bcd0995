package live

import (
	"iter"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slocheck/slocheck/results"
)

// The metric names the server exports (the Grafana dashboard's queries name
// only these).
const (
	MetricRequests      = "slocheck_requests_total"
	MetricFailures      = "slocheck_failures_total"
	MetricDropped       = "slocheck_dropped_total"
	MetricLatency       = "slocheck_request_latency_seconds"
	MetricSendLag       = "slocheck_send_lag_seconds"
	MetricFaultInjected = "slocheck_fault_injected"
	MetricFaultSince    = "slocheck_fault_seconds_since_injection"
	MetricRTOEstimate   = "slocheck_fault_rto_estimate_seconds"
	MetricObjective     = "slocheck_objective_value"
	MetricObjTarget     = "slocheck_objective_target"
	MetricVerdict       = "slocheck_objective_verdict"
)

// TooSlow is the error_kind label of a request answered after the timeout.
const TooSlow = "too-slow"

// latencyBuckets are the latency histogram's classic buckets (seconds).
var latencyBuckets = []float64{.005, .01, .025, .05, .075, .1, .15, .2, .3, .5, 1, 2, 5}

// sendLagBuckets are the send lag histogram's classic buckets: powers of two
// microseconds (64 µs to 1.05 s), which are edges of the health sampler's
// own lag buckets, so no lag is counted in the wrong bucket (but one of
// exactly a bound, to the nanosecond, which counts above it).
var sendLagBuckets = func() []float64 {
	var b []float64
	for us := 64; us <= 1<<20; us *= 2 {
		b = append(b, float64(us)/1e6)
	}
	return b
}()

// Metrics are a run's live Prometheus metrics. They cost the generator
// nothing per request but a look at two words (Outcome, for the RTO
// estimates): requests, failures, dropped and latency are added up from the
// results stream's interval records as the recorder writes them (Interval,
// through results.WithIntervalObserver), the send lag from the health
// sampler's buckets (SendLags), fault state from the run's events (Event),
// and everything is turned into Prometheus metrics only when scraped. So
// they follow the stream: an interval counts once it is written, a flush lag
// (250 ms) after it ends. A nil *Metrics takes everything and does nothing.
type Metrics struct {
	reg     *prometheus.Registry
	timeout time.Duration
	created time.Time
	desc    struct{ requests, failures, dropped, latency, sendLag *prometheus.Desc }

	mu      sync.Mutex
	cells   []*cellTotals    // by client region and step, in order of appearance
	latency []*regionLatency // by client region, in order of appearance
	sendLag *histogram

	rmu     sync.Mutex                     // adding a client region to regions
	regions atomic.Pointer[[]*regionState] // copied on write: Outcome reads it without a lock
	faults  *faultState
	objs    *objectives
}

// cellTotals are one client region and step's counts so far.
type cellTotals struct {
	region, step string
	counts       [results.NumErrorKinds]uint64
	tooSlow      uint64
}

type regionLatency struct {
	region string
	h      *histogram
}

// regionState is what a client region's RTO estimate needs: the intended
// start of its latest failure, and of a success after it (Unix nanoseconds).
type regionState struct {
	name        string
	lastFail    atomic.Int64
	lastSuccess atomic.Int64
}

// NewMetrics returns the metrics of a run whose requests time out after
// timeout (slower answers count as failures, as in the report).
func NewMetrics(timeout time.Duration) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), timeout: timeout, created: time.Now(), sendLag: newHistogram(sendLagBuckets, false)}
	m.desc.requests = prometheus.NewDesc(MetricRequests,
		"Requests whose outcome is known, by client region and journey step (dropped ones included).", []string{"client_region", "step"}, nil)
	m.desc.failures = prometheus.NewDesc(MetricFailures,
		"Failed requests (DESIGN.md §2: any error, 4xx, dropped, or slower than the timeout), by client region, step and error kind.",
		[]string{"client_region", "step", "error_kind"}, nil)
	m.desc.dropped = prometheus.NewDesc(MetricDropped,
		"Requests never sent because the generator could not keep up, by client region.", []string{"client_region"}, nil)
	m.desc.latency = prometheus.NewDesc(MetricLatency,
		"Latency of successful requests from their intended start (coordinated omission kept out), by client region; "+
			"classic and native buckets, from the stream's histograms (within their 0.1 %).", []string{"client_region"}, nil)
	m.desc.sendLag = prometheus.NewDesc(MetricSendLag,
		"The generator's own lateness: actual send minus intended send (classic buckets; the sum from the buckets' midpoints).", nil, nil)
	m.faults = newFaultState(m)
	m.objs = newObjectives()
	m.reg.MustRegister((*streamCollector)(m), m.faults, m.objs)
	return m
}

// Registry is where the metrics are registered (the OTLP bridge and tests
// gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Interval adds one interval record of the results stream, as the recorder
// writes it (results.WithIntervalObserver): its counts by error kind and its
// latency histogram. It keeps nothing of iv.
func (m *Metrics) Interval(iv *results.Interval) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.cell(iv.ClientRegion, iv.Step)
	for k, n := range iv.Counts {
		c.counts[k] += n
	}
	c.tooSlow += iv.TooSlow
	h := m.regionLatency(iv.ClientRegion)
	switch {
	case iv.Packed != nil:
		iv.Packed.ForEachBucket(h.addLatency)
	case iv.Latency != nil:
		p := results.NewPackedLatencyHistogram()
		p.MergeFrom(iv.Latency)
		p.ForEachBucket(h.addLatency)
	}
}

// SendLags adds one interval's send lags, as bucket upper bounds and counts
// in increasing order (the health sampler's buckets).
func (m *Metrics) SendLags(buckets iter.Seq2[time.Duration, uint64]) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	lower := time.Duration(0)
	for upper, n := range buckets {
		if n > 0 {
			m.sendLag.add(upper.Seconds(), (lower+upper).Seconds()/2, n)
		}
		lower = upper
	}
}

func (m *Metrics) cell(region, step string) *cellTotals {
	for _, c := range m.cells {
		if c.region == region && c.step == step {
			return c
		}
	}
	c := &cellTotals{region: region, step: step}
	m.cells = append(m.cells, c)
	return c
}

func (m *Metrics) regionLatency(region string) *histogram {
	for _, r := range m.latency {
		if r.region == region {
			return r.h
		}
	}
	r := &regionLatency{region: region, h: newHistogram(latencyBuckets, true)}
	m.latency = append(m.latency, r)
	return r.h
}

// Outcome takes from one request what the RTO estimates need, and nothing
// else: the intended start of the client region's latest failure, and of a
// success after it. While nothing fails it reads two words and writes
// nothing; the sink calls it for every request.
func (m *Metrics) Outcome(o *results.Outcome) {
	if m == nil {
		return
	}
	rs := m.region(o.ClientRegion)
	at := o.Intended.UnixNano()
	if o.Err >= results.ErrorKind(results.NumErrorKinds) || o.Err.Failed() || o.Latency() > m.timeout {
		storeMax(&rs.lastFail, at)
		return
	}
	if lf := rs.lastFail.Load(); at > lf && rs.lastSuccess.Load() <= lf {
		storeMax(&rs.lastSuccess, at)
	}
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// region is a client region's state, added on its first request.
func (m *Metrics) region(name string) *regionState {
	if rs := findRegion(m.regions.Load(), name); rs != nil {
		return rs
	}
	m.rmu.Lock()
	defer m.rmu.Unlock()
	old := m.regions.Load()
	if rs := findRegion(old, name); rs != nil {
		return rs
	}
	rs := &regionState{name: name}
	var next []*regionState
	if old != nil {
		next = append(next, *old...)
	}
	next = append(next, rs)
	m.regions.Store(&next)
	return rs
}

func findRegion(t *[]*regionState, name string) *regionState {
	if t == nil {
		return nil
	}
	for _, rs := range *t {
		if rs.name == name {
			return rs
		}
	}
	return nil
}

// FinalFile is the file in a run directory that holds the live metrics'
// final values (the text exposition format), written when the run ends.
const FinalFile = "metrics.prom"

// WriteFile writes the metrics' current values to path in the text
// exposition format (node_exporter's textfile collector reads it).
func (m *Metrics) WriteFile(path string) error {
	if m == nil {
		return nil
	}
	return prometheus.WriteToTextfile(path, m.reg)
}
