package driver

import (
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestTLSResumesSessions: an https target whose server closes every
// connection after its answer makes each request a new connection; all but
// the first few (opened before any session ticket came back) resume a
// session, as a browser does, instead of a full handshake each. On both
// transports.
func TestTLSResumesSessions(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		skipHTTPSVariant(t)
		var total, resumed atomic.Int64
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			total.Add(1)
			if r.TLS != nil && r.TLS.DidResume {
				resumed.Add(1)
			}
			w.Header().Set("Connection", "close")
			_, _ = w.Write([]byte("ok"))
		}))
		srv.StartTLS()
		t.Cleanup(srv.Close)
		var sink memSink
		run(t, Config{Targets: map[string]string{"us": srv.URL}, Rate: 100, Duration: 500 * time.Millisecond,
			Journeys: single(StepBrowse), rootCAs: roots(srv)}, &sink)
		for _, o := range sink.sorted() {
			if o.Err != results.ErrNone || o.Status != http.StatusOK {
				t.Fatalf("a request failed: %+v", o)
			}
		}
		// Sessions are cached per origin; only connections opened before the
		// first ticket arrived (at most the journeys in progress then) are full.
		if n, r := total.Load(), resumed.Load(); n != 50 || r < n/2 {
			t.Fatalf("%d of %d connections resumed a session; want 50 requests, at least half resumed", r, n)
		}
	})
}

// TestTLSKeepsConnectionsAlive: over https, requests reuse the connection
// (and its session) of the previous ones, on both transports; an
// untrusted certificate fails every request as "other", never answered.
func TestTLSKeepsConnectionsAlive(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		skipHTTPSVariant(t)
		var cc connCounter
		srv := httptest.NewUnstartedServer(okHandler("eastus"))
		srv.Config.ConnState = cc.hook
		srv.StartTLS()
		t.Cleanup(srv.Close)
		var sink memSink
		st := run(t, Config{Targets: map[string]string{"us": srv.URL}, Rate: 20, Duration: time.Second,
			Journeys: single(StepBrowse), rootCAs: roots(srv)}, &sink)
		outs := sink.sorted()
		if c := countErr(outs); st.Sent != 20 || c[results.ErrNone] != 20 || outs[0].ServedBy != "eastus" {
			t.Fatalf("sent %d, outcomes %v, first %+v; want 20 answered by eastus", st.Sent, c, outs[0])
		}
		if n := cc.n.Load(); n < 1 || n > 2 {
			t.Fatalf("server saw %d connections for 20 requests 50 ms apart, want 1 or 2", n)
		}

		sink = memSink{}
		st = run(t, Config{Targets: map[string]string{"us": srv.URL}, Rate: 20, Duration: 200 * time.Millisecond,
			Journeys: single(StepBrowse), rootCAs: x509.NewCertPool()}, &sink) // the test's certificate is not trusted
		if c := countErr(sink.sorted()); st.Sent != 4 || c[results.ErrOther] != 4 {
			t.Fatalf("untrusted: sent %d, outcomes %v; want 4 failed as other", st.Sent, c)
		}
	})
}

// skipHTTPSVariant skips bothTransports' https variant of a test that
// serves https itself (the variant would repeat the event loops' run).
func skipHTTPSVariant(t *testing.T) {
	if useTLS {
		t.Skip("serves https itself")
	}
}

// roots trusts srv's certificate.
func roots(srv *httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}
