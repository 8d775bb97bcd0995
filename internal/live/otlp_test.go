package live

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	colmetric "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/slocheck/slocheck/internal/buildinfo"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/results"
)

// TestOTLPPushesTheMetrics runs a loopback OTLP/HTTP receiver that decodes
// what it gets as a collector does (protobuf ExportMetricsServiceRequest)
// and checks that the live metrics arrive with their values. The exporter
// runs in the companion slocheck-cloud, built for the test.
func TestOTLPPushesTheMetrics(t *testing.T) {
	t.Cleanup(companiontest.Cleanup)
	t.Setenv(companion.EnvVar, filepath.Join(companiontest.Build(t, companion.Program), companion.Program))
	var mu sync.Mutex
	got := map[string]float64{} // request counter's value, latest export
	names := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req colmetric.ExportMetricsServiceRequest
		if r.URL.Path != "/v1/metrics" || proto.Unmarshal(b, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					names[m.Name] = true
					if s := m.GetSum(); s != nil && m.Name == MetricRequests {
						var sum float64
						for _, dp := range s.DataPoints {
							sum += dp.GetAsDouble()
						}
						got[m.Name] = sum
					}
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&colmetric.ExportMetricsServiceResponse{})
		_, _ = w.Write(out)
	}))
	defer srv.Close()
	m := NewMetrics(2 * time.Second)
	outs := benchOutcomes()
	feed(t, m, 2*time.Second, outs)
	m.Event(results.Event{Time: time.Now(), Kind: results.EventFaultInjected, Fault: "eastus-down", Target: "eastus", Injector: "platform"})
	o, err := StartOTLP(context.Background(), srv.URL, m, time.Hour, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Shutdown(context.Background()); err != nil { // the final push
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got[MetricRequests] != float64(len(outs)) {
		t.Errorf("the receiver got %s = %v, want %d", MetricRequests, got[MetricRequests], len(outs))
	}
	for _, n := range []string{MetricFailures, MetricLatency, MetricFaultInjected, MetricRTOEstimate} {
		if !names[n] {
			t.Errorf("the receiver never got %s (got %v)", n, names)
		}
	}
	if _, err := StartOTLP(context.Background(), "localhost:4318", m, 0, nil, nil, nil); err == nil {
		t.Error("an endpoint without a scheme was taken")
	}
}

// TestOTLPKillsAHungExporter: an exporter that never exits (a collector
// that hangs it) is killed, with its process group, when Shutdown's context
// ends; the run does not wait for it. The stand-in companion sleeps 30 s;
// the kill takes milliseconds (seconds on a loaded machine).
func TestOTLPKillsAHungExporter(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\ncase \"$1\" in\nversion) echo \"slocheck-cloud " + buildinfo.String() + " linux/amd64 go1\";;\n*) exec sleep 30;;\nesac\n"
	path := filepath.Join(dir, companion.Program)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == companion.EnvVar {
			return path
		}
		return os.Getenv(k)
	}
	o, err := StartOTLP(context.Background(), "http://127.0.0.1:9", NewMetrics(time.Second), time.Hour, nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := o.Shutdown(ctx); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Shutdown: %v, want the exporter killed", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Shutdown returned after %s", took)
	}
	if err := o.Shutdown(context.Background()); err == nil {
		t.Error("a second Shutdown forgot the first's error")
	}
}
