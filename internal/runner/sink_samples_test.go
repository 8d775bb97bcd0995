package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunWithoutFaultsTakesNoSamples: the sink's samples serve only the
// faults' stop conditions, so a run without faults (release-gate) takes
// none: its sample loop, ten wake-ups a second, never starts. The run is
// otherwise whole. A run with faults still samples: the "sample-loop" case
// of TestPanicAnywhereHealsAndReports panics inside that loop.
func TestRunWithoutFaultsTakesNoSamples(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", "eastus")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	s := targetScenario(t, srv.URL, "", 50, time.Second)
	if len(s.Faults) != 0 {
		t.Fatalf("release-gate has %d faults, want none", len(s.Faults))
	}
	var samples atomic.Int64
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), hooks: &hooks{sample: func() { samples.Add(1) }}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := samples.Load(); n != 0 {
		t.Errorf("a run without faults took %d samples, want none", n)
	}
	if res.Eval == nil || res.Stats.Sent < 50 || res.Eval.Report.Requests != uint64(res.Stats.Sent) {
		t.Errorf("sent %d, judged %+v; want at least the 50 requests of 1 s at 50 req/s, each judged", res.Stats.Sent, res.Eval)
	}
}
