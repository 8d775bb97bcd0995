package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/slo"
)

// The replication-lag figures reach the console, Markdown and HTML, and the
// chart leaves a gap where an interval had no marker seen.
func TestReplicationLag(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	r := &slo.Report{Scenario: "lag", Verdict: slo.Pass, DurationS: 10,
		Timeline: []slo.Point{{T: 0, Requests: 1}, {T: 1, Requests: 1}},
		ReplicationLag: []slo.LagSummary{{From: "eastus", To: "westeurope", Samples: 9, Lost: 1, P50S: f(0.3), P99S: f(2.5), MaxS: f(2.5),
			MedianResolutionS: f(0.02), MaxResolutionS: f(0.4)}},
		LagTimeline: []slo.LagPoint{{T: 0, From: "eastus", To: "westeurope", MaxS: f(0.3)}, {T: 4, From: "eastus", To: "westeurope", MaxS: f(2.5)}},
	}
	var con, md, html bytes.Buffer
	for _, w := range []struct {
		write Writer
		out   *bytes.Buffer
		want  string
	}{
		{Table, &con, "replication lag eastus→westeurope: p50 300.0 ms, p99 2.50 s, max 2.50 s over 9 markers, 1 lost"},
		{Markdown, &md, "| eastus | westeurope | 9            | 1    | 300.0 ms | 2.50 s | 2.50 s | 20.0 ms, 400.0 ms           |"},
		{HTML, &html, "chart_lag"},
	} {
		if err := w.write(w.out, r); err != nil || !strings.Contains(w.out.String(), w.want) {
			t.Errorf("%v; want %q in\n%s", err, w.want, w.out.String()[:min(w.out.Len(), 3000)])
		}
	}
	series, names := lagSeries(r)
	if got := series[names[0]]; len(names) != 1 || len(got) != 3 || got[1].Value.([]any)[1] != "-" {
		t.Errorf("series %v: want the 0 s point, a gap at 1 s, the 4 s point", got)
	}
}
