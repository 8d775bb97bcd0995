package live

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// dashboardExprs are every PromQL expression of a Grafana dashboard: the
// panels' targets and the annotations' queries.
func dashboardExprs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Annotations struct {
			List []struct {
				Expr string `json:"expr"`
			} `json:"list"`
		} `json:"annotations"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: not valid JSON: %v", path, err)
	}
	var out []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			out = append(out, q.Expr)
		}
	}
	for _, a := range d.Annotations.List {
		out = append(out, a.Expr)
	}
	return out
}

// exportedSeries scrapes a metrics endpoint fed with everything a run feeds
// it and returns the names of the series it exports (histograms as their
// _bucket, _sum and _count series).
func exportedSeries(t *testing.T) map[string]bool {
	t.Helper()
	m := NewMetrics(2 * time.Second)
	now := time.Now()
	feed(t, m, 2*time.Second, append(benchOutcomes(), results.Outcome{ClientRegion: "us", Step: "browse", Intended: now, Err: results.ErrDropped}))
	m.SendLags(func(yield func(time.Duration, uint64) bool) { yield(300*time.Microsecond, 10) })
	m.Event(results.Event{Time: now, Kind: results.EventFaultInjected, Fault: "eastus-down", Target: "eastus", Injector: "platform"})
	v := 0.1
	m.objs.set(&slo.Report{Objectives: []slo.Objective{{Name: "p99", Scope: "overall", Target: 0.15, Value: &v, Verdict: slo.Pass}}})
	srv := httptest.NewServer(m.handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	out := map[string]bool{}
	for name, f := range fams {
		out[name] = true
		if f.GetType().String() == "HISTOGRAM" {
			out[name+"_bucket"], out[name+"_sum"], out[name+"_count"] = true, true, true
		}
	}
	return out
}

// metricName is an identifier in PromQL that names one of our metrics.
var metricName = regexp.MustCompile(`\bslocheck_[a-z0-9_]+\b`)

// TestDashboardQueriesNameExportedMetrics checks that every query of the
// Grafana dashboard names at least one metric and only metrics that a real
// scrape of the server exports.
func TestDashboardQueriesNameExportedMetrics(t *testing.T) {
	exported := exportedSeries(t)
	exprs := dashboardExprs(t, filepath.Join("..", "..", "deploy", "grafana", "slocheck.json"))
	if len(exprs) < 5 {
		t.Fatalf("%d queries: the dashboard lost its panels", len(exprs))
	}
	for _, e := range exprs {
		names := metricName.FindAllString(e, -1)
		if len(names) == 0 {
			t.Errorf("query %q names no slocheck metric", e)
		}
		for _, n := range names {
			if !exported[n] {
				t.Errorf("query %q names %s, which the server does not export", e, n)
			}
		}
	}
}
