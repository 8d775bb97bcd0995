package driver

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestIdleConnectionsExpire: a burst opens many connections (the server
// holds each answer 100 ms); in the quiet stage after it one connection
// carries the traffic and the others, idle past idleConnTimeout, are closed
// by the client: the server, which never closes an idle connection itself,
// sees them go.
func TestIdleConnectionsExpire(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		defer func(d time.Duration) { idleConnTimeout = d }(idleConnTimeout)
		idleConnTimeout = 200 * time.Millisecond
		var mu sync.Mutex
		open, peak, openAtLast := 0, 0, -1
		start := time.Now()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if time.Since(start) < 300*time.Millisecond {
				time.Sleep(100 * time.Millisecond) // the burst: answers held
			}
			_, _ = w.Write([]byte("ok"))
		}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			mu.Lock()
			defer mu.Unlock()
			switch s {
			case http.StateNew:
				open++
				peak = max(peak, open)
			case http.StateClosed, http.StateHijacked:
				open--
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		sink := &memSink{}
		// 200 req/s for 300 ms (about 20 held at once), then 20 req/s for 2.2 s.
		run(t, Config{Targets: map[string]string{"us": srv.URL}, Rate: 200, Journeys: single(StepBrowse),
			Stages: []Stage{{Duration: 300 * time.Millisecond, Rate: 200}, {Duration: time.Millisecond, Rate: 20}, {Duration: 2200 * time.Millisecond, Rate: 20}},
		}, hookSink{Sink: sink, before: func() {
			mu.Lock()
			openAtLast = open
			mu.Unlock()
		}})
		for _, o := range sink.sorted() {
			if o.Err != 0 {
				t.Fatalf("a request failed: %+v", o)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if peak < 10 || openAtLast > 3 {
			t.Fatalf("%d connections at the burst's peak, %d still open at the last answer; want at least 10, then at most 3", peak, openAtLast)
		}
	})
}

// hookSink calls before ahead of every outcome it passes on.
type hookSink struct {
	Sink
	before func()
}

func (s hookSink) Outcome(o *results.Outcome) {
	s.before()
	s.Sink.Outcome(o)
}
