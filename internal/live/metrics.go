package live

import (
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

// Metrics are a run's live Prometheus metrics, fed per request from the
// run's sink (Outcome) and per event (Event). Outcome costs a map lookup and
// a few atomic adds; everything else is computed when scraped. A nil
// *Metrics takes everything and does nothing.
type Metrics struct {
	reg      *prometheus.Registry
	timeout  time.Duration
	requests *prometheus.CounterVec
	failures *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	sendLag  prometheus.Histogram
	cells    sync.Map // cellKey -> *cellMetrics
	regions  sync.Map // client region -> *regionState
	faults   *faultState
	objs     *objectives
}

type cellKey struct{ region, step string }

// cellMetrics are one client region and step's metrics, resolved once.
type cellMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
	region   *regionState
	fmu      sync.Mutex
	failures map[string]prometheus.Counter // by error kind
	dropped  prometheus.Counter
	vec      *prometheus.CounterVec
	labels   [2]string // client region, step
}

// regionState is what a client region's RTO estimate needs: the intended
// start of its latest failure and latest success (Unix nanoseconds).
type regionState struct {
	lastFail    atomic.Int64
	lastSuccess atomic.Int64
}

// NewMetrics returns the metrics of a run whose requests time out after
// timeout (slower answers count as failures, as in the report).
func NewMetrics(timeout time.Duration) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), timeout: timeout}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricRequests,
		Help: "Requests whose outcome is known, by client region and journey step (dropped ones included)."}, []string{"client_region", "step"})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricFailures,
		Help: "Failed requests (DESIGN.md §2: any error, 4xx, dropped, or slower than the timeout), by client region, step and error kind."},
		[]string{"client_region", "step", "error_kind"})
	m.dropped = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricDropped,
		Help: "Requests never sent because the generator could not keep up, by client region."}, []string{"client_region"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: MetricLatency,
		Help:    "Latency of successful requests from their intended start (coordinated omission kept out), by client region.",
		Buckets: []float64{.005, .01, .025, .05, .075, .1, .15, .2, .3, .5, 1, 2, 5}, NativeHistogramBucketFactor: 1.1,
		NativeHistogramMaxBucketNumber: 160, NativeHistogramMinResetDuration: time.Hour}, []string{"client_region"})
	m.sendLag = prometheus.NewHistogram(prometheus.HistogramOpts{Name: MetricSendLag,
		Help:    "The generator's own lateness: actual send minus intended send.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}}) // classic only: one native histogram per request is enough
	m.faults = newFaultState(m)
	m.objs = newObjectives()
	m.reg.MustRegister(m.requests, m.failures, m.dropped, m.latency, m.sendLag, m.faults, m.objs)
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

// Outcome counts one request as the results recorder does.
func (m *Metrics) Outcome(o *results.Outcome) {
	if m == nil {
		return
	}
	c := m.cell(o.ClientRegion, o.Step)
	c.requests.Inc()
	kind := o.Err
	if kind >= results.ErrorKind(results.NumErrorKinds) {
		kind = results.ErrOther
	}
	if !o.Sent.IsZero() {
		m.sendLag.Observe(o.Sent.Sub(o.Intended).Seconds())
	}
	at := o.Intended.UnixNano()
	if kind.Failed() {
		c.fail(kind.String()).Inc()
		if kind == results.ErrDropped {
			c.dropped.Inc()
		}
		storeMax(&c.region.lastFail, at)
		return
	}
	lat := o.Latency()
	if lat > m.timeout {
		c.fail(TooSlow).Inc()
		storeMax(&c.region.lastFail, at)
		return
	}
	c.latency.Observe(lat.Seconds())
	storeMax(&c.region.lastSuccess, at)
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

func (m *Metrics) cell(region, step string) *cellMetrics {
	k := cellKey{region, step}
	if c, ok := m.cells.Load(k); ok {
		return c.(*cellMetrics)
	}
	rs, _ := m.regions.LoadOrStore(region, &regionState{})
	c := &cellMetrics{requests: m.requests.WithLabelValues(region, step), latency: m.latency.WithLabelValues(region),
		region: rs.(*regionState), failures: map[string]prometheus.Counter{}, dropped: m.dropped.WithLabelValues(region),
		vec: m.failures, labels: [2]string{region, step}}
	got, _ := m.cells.LoadOrStore(k, c)
	return got.(*cellMetrics)
}

// fail is the failure counter of one error kind.
func (c *cellMetrics) fail(kind string) prometheus.Counter {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	f, ok := c.failures[kind]
	if !ok {
		f = c.vec.WithLabelValues(c.labels[0], c.labels[1], kind)
		c.failures[kind] = f
	}
	return f
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
