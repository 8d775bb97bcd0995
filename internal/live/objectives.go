package live

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// DefaultRefresh is how often the objectives and the live page are
// re-evaluated from the stream written so far.
const DefaultRefresh = 5 * time.Second

// objectives exports the run's objectives as they stand: the report's own
// evaluation of the stream written so far (the same maths as report.json).
type objectives struct {
	value, target, verdict *prometheus.Desc

	mu  sync.Mutex
	rep *slo.Report
}

func newObjectives() *objectives {
	l := []string{"objective", "scope"}
	return &objectives{
		value:   prometheus.NewDesc(MetricObjective, "The objective's value so far (unit as report.json: s, ratio, share); absent while it has none.", l, nil),
		target:  prometheus.NewDesc(MetricObjTarget, "The objective's target.", l, nil),
		verdict: prometheus.NewDesc(MetricVerdict, "1 for the objective's verdict so far (PASS, FAIL, INCONCLUSIVE, INFO).", append(l, "verdict"), nil),
	}
}

func (o *objectives) set(rep *slo.Report) {
	o.mu.Lock()
	o.rep = rep
	o.mu.Unlock()
}

func (o *objectives) Describe(ch chan<- *prometheus.Desc) {
	ch <- o.value
	ch <- o.target
	ch <- o.verdict
}

func (o *objectives) Collect(ch chan<- prometheus.Metric) {
	o.mu.Lock()
	rep := o.rep
	o.mu.Unlock()
	if rep == nil {
		return
	}
	seen := map[[2]string]bool{}
	for _, ob := range rep.Objectives {
		k := [2]string{ob.Name, ob.Scope}
		if seen[k] {
			continue
		}
		seen[k] = true
		if ob.Value != nil {
			ch <- prometheus.MustNewConstMetric(o.value, prometheus.GaugeValue, *ob.Value, ob.Name, ob.Scope)
		}
		ch <- prometheus.MustNewConstMetric(o.target, prometheus.GaugeValue, ob.Target, ob.Name, ob.Scope)
		ch <- prometheus.MustNewConstMetric(o.verdict, prometheus.GaugeValue, 1, ob.Name, ob.Scope, string(ob.Verdict))
	}
}

// Evaluate reads the stream at path as far as it is written and evaluates it
// as the report does (slo.EvaluateStream, the same passes as the report's).
func Evaluate(path string) (*slo.Report, error) {
	rep, err := slo.EvaluateStream(&results.FileScan{Path: path}, slo.Options{})
	if rep == nil {
		return nil, err
	}
	return rep, nil
}

// refreshSpacing is how many times its own duration Follow waits after an
// evaluation at the least: re-reading the whole stream costs more as the run
// grows (9-15 ms of CPU a minute in at 5,000 req/s, BenchmarkRefresh), so a
// long run refreshes less often rather than spend more than 0.2 % of a core
// (about 1 % of the generator's CPU at 5,000 req/s; bench/live-metrics.sh).
const refreshSpacing = 500

// Follow re-evaluates the stream at path every `every` (or less often, see
// refreshSpacing) until ctx ends, and feeds the objectives' metrics and the
// live page. Errors (a stream not yet written) are retried at the next tick.
func (s *Server) Follow(ctx context.Context, path string, every time.Duration) {
	if every <= 0 {
		every = DefaultRefresh
	}
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			began := time.Now()
			s.Refresh(path)
			t.Reset(max(every, refreshSpacing*time.Since(began)))
		}
	}
}

// Refresh evaluates the stream at path once, now.
func (s *Server) Refresh(path string) {
	rep, err := Evaluate(path)
	if err != nil {
		return
	}
	s.Show(rep)
}

// Show puts rep on the live page and in the objectives' metrics (the run's
// final report, evaluated once for report.json).
func (s *Server) Show(rep *slo.Report) {
	if s.metrics != nil {
		s.metrics.objs.set(rep)
	}
	s.page.update(rep)
}
