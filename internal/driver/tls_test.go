package driver

import (
	"context"
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
// session, as a browser does, instead of a full handshake each.
func TestTLSResumesSessions(t *testing.T) {
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
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	var sink memSink
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := Run(ctx, Config{
		Targets: map[string]string{"us": srv.URL}, Rate: 100, Duration: 500 * time.Millisecond,
		Journeys: single(StepBrowse), rootCAs: roots,
	}, &sink)
	if err != nil {
		t.Fatal(err)
	}
	if st.Transport != TransportWorkers {
		t.Fatalf("https ran on %q", st.Transport)
	}
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
}
