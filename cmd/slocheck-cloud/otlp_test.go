package main_test

import (
	"encoding/json"
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

	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/live"
)

// TestRunPushesOTLPThroughTheCompanion runs the real slocheck with
// --otlp-endpoint against a loopback OTLP/HTTP receiver that decodes what
// it gets as a collector does: the last push (slocheck-cloud's, when the
// run closed its stdin) counts every request report.json counts.
func TestRunPushesOTLPThroughTheCompanion(t *testing.T) {
	dir := companiontest.Build(t, "slocheck", "slocheck-cloud")
	var mu sync.Mutex
	var last float64 // slocheck_requests_total, summed over its series, in the latest push
	pushes := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req colmetric.ExportMetricsServiceRequest
		if r.URL.Path != "/v1/metrics" || proto.Unmarshal(b, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		pushes++
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					if s := m.GetSum(); s != nil && m.Name == live.MetricRequests {
						last = 0
						for _, dp := range s.DataPoints {
							last += dp.GetAsDouble()
						}
					}
				}
			}
		}
		out, _ := proto.Marshal(&colmetric.ExportMetricsServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	defer srv.Close()
	c := newCluster(t)
	scen := shopScenario(t, c, 2*time.Second, 0, 0)
	b, err := os.ReadFile(scen)
	if err != nil {
		t.Fatal(err)
	}
	noFault := strings.Split(string(b), "faults:")[0]
	if err := os.WriteFile(scen, []byte(noFault), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	cmd := command(filepath.Join(dir, "slocheck"), "run", "--scenario", scen, "--out", out, "--quiet", "--otlp-endpoint", srv.URL)
	if b, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 98 && cmd.ProcessState.ExitCode() != 99 {
		t.Fatalf("slocheck run: %v\n%s", err, b)
	}
	var rep struct{ Requests int }
	if raw, err := os.ReadFile(filepath.Join(out, "report.json")); err != nil || json.Unmarshal(raw, &rep) != nil || rep.Requests == 0 {
		t.Fatalf("report.json: %v %+v", err, rep)
	}
	mu.Lock()
	defer mu.Unlock()
	if pushes == 0 || last != float64(rep.Requests) {
		t.Errorf("the receiver got %d pushes, the last with %s = %v; report.json counts %d requests", pushes, live.MetricRequests, last, rep.Requests)
	}
}
