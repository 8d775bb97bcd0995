package live

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/buildinfo"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/live/otlptest"
	"github.com/slocheck/slocheck/results"
)

// TestOTLPPushesTheMetrics runs a loopback OTLP/HTTP receiver that decodes
// what it gets as a collector does (protobuf ExportMetricsServiceRequest)
// and checks that the live metrics arrive with their values. The exporter
// runs in the companion slocheck-cloud, built for the test.
func TestOTLPPushesTheMetrics(t *testing.T) {
	t.Cleanup(companiontest.Cleanup)
	t.Setenv(companion.EnvVar, filepath.Join(companiontest.Build(t, companion.Program), companion.Program))
	rcv := otlptest.New(t)
	m := NewMetrics(2 * time.Second)
	outs := benchOutcomes()
	feed(t, m, 2*time.Second, outs)
	m.Event(results.Event{Time: time.Now(), Kind: results.EventFaultInjected, Fault: "eastus-down", Target: "eastus", Injector: "platform"})
	o, err := StartOTLP(context.Background(), rcv.URL, m, time.Hour, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Shutdown(context.Background()); err != nil { // the final push
		t.Fatal(err)
	}
	if got := rcv.Sum(MetricRequests); got != float64(len(outs)) {
		t.Errorf("the receiver got %s = %v, want %d", MetricRequests, got, len(outs))
	}
	for _, n := range []string{MetricFailures, MetricLatency, MetricFaultInjected, MetricRTOEstimate} {
		if !rcv.Got(n) {
			t.Errorf("the receiver never got %s", n)
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
