package slo

import (
	"testing"
	"time"
)

// TestEvaluationHistogramsFitTheRun: the evaluation's histograms end at the
// run's slowest latency, not the stream's hour, and hold every latency with
// the same quantiles as the stream's full geometry (run.LatencyHistogram).
func TestEvaluationHistogramsFitTheRun(t *testing.T) {
	for _, slowest := range []time.Duration{time.Millisecond, 40 * time.Millisecond, 90 * time.Minute} {
		run := failover(60, 35, func(i int) time.Duration {
			if i%997 == 0 {
				return slowest
			}
			return time.Duration(1+i%13) * time.Millisecond
		})
		e := newEvaluation(run)
		e.aggregate()
		full := run.LatencyHistogram(nil)
		if got, want := e.all.latency.TotalCount(), full.TotalCount(); got != want || want == 0 {
			t.Fatalf("slowest %v: the evaluation holds %d latencies, the stream %d", slowest, got, want)
		}
		for _, p := range []float64{0.5, 0.99, 0.999, 1} {
			if got, want := ValueAtQuantile(e.all.latency, p), ValueAtQuantile(full, p); got != want {
				t.Errorf("slowest %v: p%v = %v, the stream's geometry gives %v", slowest, p*100, got, want)
			}
		}
		if slowest <= 40*time.Millisecond && e.all.latency.ByteSize() >= full.ByteSize()/2 {
			t.Errorf("slowest %v: the evaluation's histogram takes %d bytes, the stream's %d", slowest, e.all.latency.ByteSize(), full.ByteSize())
		}
	}
}
