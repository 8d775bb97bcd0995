package runner

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// userScript is a k6 user's own script, written for plain k6: one
// constant-arrival-rate scenario named shoppers (no client_region tag, no
// step tags), against its own URL, with two thresholds.
const userScript = `import http from 'k6/http';
export const options = {
  scenarios: {
    shoppers: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '4s',
                preAllocatedVUs: 10, maxVUs: 40 },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(99)<10000'],
  },
};
export default function () { http.get('%s/api/items'); }
`

// TestK6UserThresholdsDecide runs a user's k6 script through `run --engine
// k6 --target` against a loopback server that fails one request in ten (its
// own count is the truth): k6 crosses http_req_failed rate<0.01 (k6 exit
// 99), so the run must fail with exit 99 and a FAIL objective for that
// threshold, and a PASS one for the threshold k6 passed. The report lists
// only the client region and step the script sent (shoppers, request), not
// the scenario's us/eu or the reference shop's four steps. Slocheck's own
// availability target is lowered to 50 %, so the threshold alone decides.
func TestK6UserThresholdsDecide(t *testing.T) {
	bin := k6Binary(t)
	// A user's environment that turns k6's judging off does not turn the
	// thresholds' objectives off.
	t.Setenv("K6_NO_THRESHOLDS", "true")
	t.Setenv("K6_SUMMARY_MODE", "disabled")
	var hits, fails atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/items" {
			return // /health and the like: 200
		}
		if hits.Add(1)%10 == 0 {
			fails.Add(1)
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	script := filepath.Join(dir, "user.js")
	if err := os.WriteFile(script, fmt.Appendf(nil, userScript, srv.URL), 0o644); err != nil {
		t.Fatal(err)
	}
	s := userK6Scenario(t, srv.URL, script)
	res, err := Run(context.Background(), s, Options{OutDir: dir, K6: bin})
	if err != nil {
		t.Fatalf("run: %v (k6 log: %s)", err, tail(filepath.Join(dir, K6LogName), 20))
	}
	if n, f := hits.Load(), fails.Load(); n == 0 || float64(f)/float64(n) <= 0.01 {
		t.Fatalf("the server failed %d of %d requests: not over 1 %%, the test proves nothing", f, n)
	}
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	want := []results.Threshold{
		{Metric: "http_req_duration", Expr: "p(99)<10000", Passed: true},
		{Metric: "http_req_failed", Expr: "rate<0.01", Passed: false},
	}
	if !slices.Equal(run.Thresholds, want) {
		t.Errorf("thresholds in results.stream = %+v, want %+v", run.Thresholds, want)
	}
	rep := res.Eval.Report
	if rep.ExitCode != exitcode.Failed {
		t.Errorf("exit code %d (verdict %s), want %d: k6 crossed a threshold", rep.ExitCode, rep.Verdict, exitcode.Failed)
	}
	verdicts := map[string]string{}
	for _, o := range rep.Objectives {
		if strings.HasPrefix(o.Scope, "threshold:") {
			verdicts[o.Name+" "+o.Scope] = string(o.Verdict)
		}
		if o.Scope == "region:us" || o.Scope == "region:eu" || (strings.HasPrefix(o.Scope, "step:") && o.Scope != "step:request") {
			t.Errorf("objective %s %s listed: the script sent no such traffic", o.Name, o.Scope)
		}
	}
	wantV := map[string]string{"http_req_failed threshold:rate<0.01": "FAIL", "http_req_duration threshold:p(99)<10000": "PASS"}
	if !maps.Equal(verdicts, wantV) {
		t.Errorf("threshold objectives = %v, want %v", verdicts, wantV)
	}
	if h := run.Header; !slices.Equal(h.ClientRegions, []string{"shoppers"}) || !slices.Equal(h.Steps, []string{"request"}) {
		t.Errorf("header client regions %v, steps %v: want only what the script sent, [shoppers] and [request]", h.ClientRegions, h.Steps)
	}
	t.Logf("server: %d of %d failed; report exit %d, thresholds %v", fails.Load(), hits.Load(), rep.ExitCode, verdicts)
}

// userK6Scenario is `run --engine k6 --script script --target url` for 4 s:
// a scenario with no fault, us and eu clients (what the script ignores).
func userK6Scenario(t *testing.T, url, script string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Builtin("release-gate")
	if err != nil {
		t.Fatal(err)
	}
	engine, rate, dur := scenario.EngineK6, 50.0, 4*time.Second
	if err := s.Apply(scenario.Overrides{Engine: &engine, Script: &script, Target: &url, Rate: &rate, Duration: &dur}); err != nil {
		t.Fatal(err)
	}
	// 90 % availability passes a 50 % target: only the script's threshold
	// can fail this run.
	s.Objectives.Availability = 0.5
	return s
}
