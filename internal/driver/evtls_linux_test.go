//go:build linux

package driver

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestTLSBoundsHandshakes: the event loops start at most maxHandshakes TLS
// handshakes to a region at once; the requests beyond wait for a
// connection and are all answered. (The event loops' own: the workers'
// fasthttp client has no such bound.) The server takes 50 ms over each
// handshake and closes every connection after its answer, so that without
// the bound 400 req/s would keep about 20 handshakes in progress.
func TestTLSBoundsHandshakes(t *testing.T) {
	var now, peak atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("ok"))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{testCert(t)}, GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		n := now.Add(1)
		defer now.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(50 * time.Millisecond)
		return nil, nil
	}, SessionTicketsDisabled: true} // every connection a full handshake
	srv.StartTLS()
	t.Cleanup(srv.Close)
	var sink memSink
	run(t, Config{Targets: map[string]string{"us": srv.URL}, Rate: 400, Duration: 500 * time.Millisecond,
		Journeys: single(StepBrowse), evloops: 1, Timeout: 5 * time.Second}, &sink) // the queue drains in 200 × 50 ms / 8 = 1.25 s
	if c := countErr(sink.sorted()); c[results.ErrNone] != 200 {
		t.Fatalf("outcomes %v; want 200 answered", c)
	}
	if p := peak.Load(); p > maxHandshakes || p < 2 {
		t.Fatalf("%d handshakes at once at the server, want 2..%d", p, maxHandshakes)
	}
}
