package live

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slocheck/slocheck/results"
)

// faultState exports each fault's state, computed when scraped: injected
// (0/1), seconds since injection, and the current RTO estimate per client
// region.
type faultState struct {
	m        *Metrics
	now      func() time.Time
	injected *prometheus.Desc
	since    *prometheus.Desc
	rto      *prometheus.Desc

	mu     sync.Mutex
	faults []*faultInfo // in order of injection; a fault injected again replaces its entry
}

type faultInfo struct {
	name, target, injector string
	injected, healed       time.Time
	rto                    map[string]float64 // frozen at the heal
}

func newFaultState(m *Metrics) *faultState {
	return &faultState{m: m, now: time.Now,
		injected: prometheus.NewDesc(MetricFaultInjected, "1 while the fault is injected, 0 once healed.", []string{"fault", "target", "injector"}, nil),
		since:    prometheus.NewDesc(MetricFaultSince, "Seconds since the fault was injected; 0 once healed.", []string{"fault"}, nil),
		rto: prometheus.NewDesc(MetricRTOEstimate, "The fault's RTO as it stands, per client region: 0 with no failure since the injection; "+
			"the time since the injection while the region's requests still fail; else up to its last failure (within one request spacing "+
			"of the report's RTO, which also asks for the stability window). Frozen at the heal.", []string{"fault", "client_region"}, nil),
	}
}

// Event takes a fault event (injected or healed) into the fault gauges.
func (m *Metrics) Event(e results.Event) {
	if m == nil {
		return
	}
	fs := m.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	switch e.Kind {
	case results.EventFaultInjected:
		f := &faultInfo{name: e.Fault, target: e.Target, injector: e.Injector, injected: e.Time}
		for i, old := range fs.faults {
			if old.name == e.Fault {
				fs.faults = append(fs.faults[:i], fs.faults[i+1:]...)
				break
			}
		}
		fs.faults = append(fs.faults, f)
	case results.EventFaultHealed:
		for _, f := range fs.faults {
			if f.name == e.Fault && f.healed.IsZero() {
				f.healed = e.Time
				f.rto = fs.estimates(f, e.Time)
			}
		}
	}
}

// estimates are f's RTO estimates per client region at t.
func (fs *faultState) estimates(f *faultInfo, t time.Time) map[string]float64 {
	out := map[string]float64{}
	regions := fs.m.regions.Load()
	if regions == nil {
		return out
	}
	for _, rs := range *regions {
		lf, ls := rs.lastFail.Load(), rs.lastSuccess.Load()
		inj := f.injected.UnixNano()
		switch {
		case lf < inj:
			out[rs.name] = 0
		case ls > lf:
			out[rs.name] = time.Duration(lf - inj).Seconds()
		default:
			out[rs.name] = t.Sub(f.injected).Seconds()
		}
	}
	return out
}

func (fs *faultState) Describe(ch chan<- *prometheus.Desc) {
	ch <- fs.injected
	ch <- fs.since
	ch <- fs.rto
}

func (fs *faultState) Collect(ch chan<- prometheus.Metric) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	now := fs.now()
	for _, f := range fs.faults {
		on, since, rto := 1.0, now.Sub(f.injected).Seconds(), f.rto
		if !f.healed.IsZero() {
			on, since = 0, 0
		} else {
			rto = fs.estimates(f, now)
		}
		ch <- prometheus.MustNewConstMetric(fs.injected, prometheus.GaugeValue, on, f.name, f.target, f.injector)
		ch <- prometheus.MustNewConstMetric(fs.since, prometheus.GaugeValue, since, f.name)
		for cr, v := range rto {
			ch <- prometheus.MustNewConstMetric(fs.rto, prometheus.GaugeValue, v, f.name, cr)
		}
	}
}
