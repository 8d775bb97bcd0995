package driver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
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

// useWorkers makes run (and the tests' own Run calls) use the worker
// transport; bothTransports sets it.
var useWorkers bool

// bothTransports runs f on the event loops, then on the workers: the two
// transports must behave the same.
func bothTransports(t *testing.T, f func(t *testing.T)) {
	for _, workers := range []bool{false, true} {
		t.Run(map[bool]string{false: TransportEventLoops, true: TransportWorkers}[workers], func(t *testing.T) {
			useWorkers = workers
			defer func() { useWorkers = false }()
			f(t)
		})
	}
}

// run runs cfg with a test deadline on the transport bothTransports asks
// for; it fails the test on a config error or when another transport ran.
func run(t *testing.T, cfg Config, sink Sink) Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.noEventLoop = useWorkers
	st, err := Run(ctx, cfg, sink)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := TransportEventLoops
	if useWorkers {
		want = TransportWorkers
	}
	if st.Transport != want {
		t.Fatalf("ran on %q, want %q", st.Transport, want)
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
