package driver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/results"
)

// memSink keeps copies of everything the driver reports.
type memSink struct {
	mu       sync.Mutex
	outcomes []results.Outcome
	writes   []results.AckedWrite
}

func (s *memSink) Outcome(o *results.Outcome) {
	s.mu.Lock()
	s.outcomes = append(s.outcomes, *o)
	s.mu.Unlock()
}

func (s *memSink) Write(w results.AckedWrite) {
	s.mu.Lock()
	s.writes = append(s.writes, w)
	s.mu.Unlock()
}

// sorted returns the outcomes in order of intended start.
func (s *memSink) sorted() []results.Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]results.Outcome(nil), s.outcomes...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Intended.Before(out[j].Intended) })
	return out
}

// countErr counts outcomes by error kind.
func countErr(outs []results.Outcome) map[results.ErrorKind]int {
	m := map[results.ErrorKind]int{}
	for _, o := range outs {
		m[o.Err]++
	}
	return m
}

// server starts an httptest server with h and stops it at the end of the test.
func server(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// okHandler answers 200 with the served-by header.
func okHandler(region string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Served-By", region)
		_, _ = w.Write([]byte("ok"))
	}
}

// run runs cfg with a test deadline; it fails the test on a config error.
func run(t *testing.T, cfg Config, sink Sink) Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := Run(ctx, cfg, sink)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if st.Cancelled {
		t.Fatalf("run hit the test's 30 s bound")
	}
	return st
}

// single is a one-step journey.
func single(step string) []Journey {
	return []Journey{{Name: step, Weight: 1, Steps: []string{step}}}
}
