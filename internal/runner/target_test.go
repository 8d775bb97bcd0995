package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/internal/slo"
)

// targetScenario is `slocheck run --scenario release-gate --target url` at
// rate for dur, with target.check_url set to check ("" keeps /health).
func targetScenario(t *testing.T, url, check string, rate float64, dur time.Duration) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Builtin("release-gate")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(scenario.Overrides{Target: &url, Rate: &rate, Duration: &dur}); err != nil {
		t.Fatal(err)
	}
	if check != "" {
		s.Target.CheckURL = check
	}
	return s
}

// TestTargetCheckWants2xx: a target that answers 404 to everything (a path
// typo in --target) fails the pre-run check: exit 3 before any traffic,
// with an error and a hint that name the URL and its status.
func TestTargetCheckWants2xx(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	s := targetScenario(t, srv.URL+"/shop-typo", "", 50, 2*time.Second)
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir()})
	var e *exitcode.Error
	if !errors.As(err, &e) || e.Code != exitcode.Rig {
		t.Fatalf("err = %v (result %+v), want exit %d from the pre-run check", err, res, exitcode.Rig)
	}
	u := srv.URL + "/shop-typo/health"
	for _, text := range []string{err.Error(), e.Hint} {
		if !strings.Contains(text, u) || !strings.Contains(err.Error(), "404") {
			t.Errorf("%q does not name %s and its 404", text, u)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the server saw %d requests, want the one check: no traffic after a failed check", n)
	}
}

// TestTarget404EverywhereFailsGate: check_url answers 200 but every shop
// path answers 404 (the server's own count says so): the run fails the gate
// with exit 99, and a failing objective's reason names the client errors.
func TestTarget404EverywhereFailsGate(t *testing.T) {
	var shop, notFound atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ready" {
			return
		}
		shop.Add(1)
		notFound.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	s := targetScenario(t, srv.URL, "/ready", 100, 3*time.Second)
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir()})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	rep := res.Eval.Report
	if n := shop.Load(); n == 0 || notFound.Load() != n || rep.Requests != uint64(n) {
		t.Fatalf("server answered %d shop requests (%d with 404), report counts %d", n, notFound.Load(), rep.Requests)
	}
	if rep.ExitCode != exitcode.Failed || rep.Verdict != slo.Fail {
		t.Errorf("verdict %s exit %d, want FAIL exit %d: every request got a 404", rep.Verdict, rep.ExitCode, exitcode.Failed)
	}
	named := false
	for _, o := range rep.Objectives {
		if o.Verdict == slo.Fail && (strings.Contains(o.Reason, "client error") || strings.Contains(o.Reason, "4xx")) {
			named = true
		}
	}
	if !named {
		for _, o := range rep.Objectives {
			t.Logf("%s %s %s: %s", o.Name, o.Scope, o.Verdict, o.Reason)
		}
		t.Error("no failing objective's reason names the client errors (4xx)")
	}
}
