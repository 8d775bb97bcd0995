//go:build linux

package driver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestEventLoopKeepsConnectionsAlive: requests reuse an idle connection;
// one the server closed while idle is retired, never written to, so no
// request fails for it.
func TestEventLoopKeepsConnectionsAlive(t *testing.T) {
	for _, tt := range []struct {
		name     string
		idle     time.Duration // the server's idle timeout
		min, max int64         // connections the server sees
	}{
		// 20 requests 100 ms apart, answered at once: one connection does
		// (two if a request is due before the previous answer is read).
		{"kept alive", time.Minute, 1, 2},
		// The server closes a connection idle for 5 ms, 95 ms before the
		// next request: nearly every request needs a new one (a busy
		// machine may delay a close past it), and none may fail for it.
		{"closed by the server while idle", 5 * time.Millisecond, 10, 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var cc connCounter
			srv := httptest.NewUnstartedServer(okHandler("eastus"))
			srv.Config.IdleTimeout = tt.idle
			srv.Config.ConnState = cc.hook
			srv.Start()
			t.Cleanup(srv.Close)
			var sink memSink
			st := run(t, Config{Targets: map[string]string{"us": srv.URL}, Rate: 10, Duration: 2 * time.Second,
				Journeys: single(StepBrowse)}, &sink)
			if c := countErr(sink.sorted()); st.Sent != 20 || c[results.ErrNone] != 20 {
				t.Fatalf("sent %d, outcomes %v; want 20 answered", st.Sent, c)
			}
			if n := cc.n.Load(); n < tt.min || n > tt.max {
				t.Fatalf("server saw %d connections, want %d..%d", n, tt.min, tt.max)
			}
		})
	}
}

// TestEventLoopsShareTheSchedule: with several loops the arrivals are
// shared out, none twice, none lost, never early, and a seed gives the same
// traffic whatever the number of loops.
func TestEventLoopsShareTheSchedule(t *testing.T) {
	var a, b atomic.Int64
	srvA := server(t, func(w http.ResponseWriter, r *http.Request) { a.Add(1); okHandler("eastus")(w, r) })
	srvB := server(t, func(w http.ResponseWriter, r *http.Request) { b.Add(1); okHandler("westeurope")(w, r) })
	regions := func(loops int) (string, Stats) {
		var sink memSink
		st := run(t, Config{Targets: map[string]string{"us": srvA.URL, "eu": srvB.URL}, Rate: 300, Duration: time.Second,
			Seed: 3, Journeys: single(StepBrowse), evloops: loops}, &sink)
		outs := sink.sorted()
		if seen := onGrid(t, outs, time.Second/300); len(seen) != 300 || st.Sent != 300 || st.Arrivals != 300 {
			t.Fatalf("%d loops: %d arrivals on the grid, sent %d, arrivals %d; want 300", loops, len(seen), st.Sent, st.Arrivals)
		}
		var sb strings.Builder
		for _, o := range outs {
			if o.Sent.Before(o.Intended) || o.Err != results.ErrNone {
				t.Fatalf("%d loops: outcome %+v", loops, o)
			}
			sb.WriteString(o.ClientRegion[:1])
		}
		return sb.String(), st
	}
	one, _ := regions(1)
	three, _ := regions(3)
	if one != three {
		t.Fatal("the same seed sent different traffic on 1 and 3 loops")
	}
	if got := a.Load() + b.Load(); got != 600 {
		t.Fatalf("servers saw %d requests, want 600", got)
	}
}

// TestTransportChoice: the event loops take http:// targets at IP
// addresses (v4 and v6) and host names, over http and https.
func TestTransportChoice(t *testing.T) {
	srv := server(t, okHandler("eastus"))
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	cases := []struct{ url, want string }{
		{srv.URL, TransportEventLoops},
		{"http://localhost:" + port, TransportEventLoops},
	}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		v6 := &httptest.Server{Listener: ln, Config: &http.Server{Handler: okHandler("eastus")}}
		v6.Start()
		t.Cleanup(v6.Close)
		cases = append(cases, struct{ url, want string }{v6.URL, TransportEventLoops})
	}
	for _, c := range cases {
		var sink memSink
		st, err := Run(t.Context(), Config{Targets: map[string]string{"us": c.url}, Rate: 10, Duration: 200 * time.Millisecond,
			Journeys: single(StepBrowse)}, &sink)
		if err != nil || st.Transport != c.want || st.Sent != 2 || countErr(sink.sorted())[results.ErrNone] != 2 {
			t.Fatalf("%s: %v, stats %+v, outcomes %v; want 2 answered on %s", c.url, err, st, countErr(sink.sorted()), c.want)
		}
	}
	for url, loops := range map[string]bool{"https://127.0.0.1": true, "https://shop.test:8443": true, "ftp://127.0.0.1:1": false} {
		if ts, ok := evTargets([]*region{{name: "us"}}, map[string]string{"us": url}); ok != loops || (ok && ts[0].tls == nil) {
			t.Fatalf("%s: on the event loops %v, want %v with TLS", url, ok, loops)
		}
	}
}

// TestEventLoopResolvesAgain: a host-name target is resolved when the run
// starts and again every resolveEvery; new connections go to the new
// address (the server closes each connection, so every request dials).
// A failed lookup keeps the last answer.
func TestEventLoopResolvesAgain(t *testing.T) {
	var a, b atomic.Int64
	first := closingServer(t, "127.0.0.1:0", &a)
	port := first.Listener.Addr().(*net.TCPAddr).Port
	closingServer(t, net.JoinHostPort("127.0.0.2", strconv.Itoa(port)), &b)
	var lookups atomic.Int64
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host != "shop.test" {
			return nil, fmt.Errorf("unknown host %s", host)
		}
		switch n := lookups.Add(1); {
		case n == 1:
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case n%2 == 0:
			return nil, fmt.Errorf("temporary failure") // keeps the last answer
		default:
			return []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.2")}, nil
		}
	}
	var sink memSink
	st := run(t, Config{Targets: map[string]string{"us": "http://shop.test:" + strconv.Itoa(port)}, Rate: 100,
		Duration: time.Second, Journeys: single(StepBrowse), lookup: lookup, resolveEvery: 100 * time.Millisecond}, &sink)
	if c := countErr(sink.sorted()); st.Sent != 100 || c[results.ErrNone] != 100 {
		t.Fatalf("sent %d, outcomes %v; want 100 answered", st.Sent, c)
	}
	// The second answer comes with the third lookup, about 200 ms in (a
	// busy machine only delays it): the first address took the requests
	// before it, the second those after.
	if a.Load() == 0 || b.Load() == 0 || a.Load()+b.Load() != 100 || lookups.Load() < 3 {
		t.Fatalf("first address saw %d, second %d, after %d lookups; want both, 100 in all", a.Load(), b.Load(), lookups.Load())
	}
}

// closingServer serves at addr, counts its requests in n and closes every
// connection after its answer.
func closingServer(t *testing.T, addr string, n *atomic.Int64) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("ok"))
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}
