package driver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
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

// connCounter counts the connections a server accepted.
type connCounter struct{ n atomic.Int64 }

func (c *connCounter) hook(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		c.n.Add(1)
	}
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
// Under bothTransports' https variant it serves TLS (httptest's
// certificate, which run then trusts).
func server(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if useTLS {
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // clients that hang up mid-handshake
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{testCert(t)}}
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// testRoots trusts the https variant's servers (testCert).
var (
	testRoots    = x509.NewCertPool()
	testCertOnce sync.Once
	testCertPair tls.Certificate
)

// testCert is a P-256 certificate for 127.0.0.1, ::1 and localhost, made
// once and trusted by testRoots: a handshake costs the in-process server a
// small fraction of httptest's RSA certificate, so the https variant's
// timing is the transport's, not the test server's.
func testCert(t *testing.T) tls.Certificate {
	testCertOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "slocheck test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true, IsCA: true}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			panic(err)
		}
		testRoots.AddCert(cert)
		testCertPair = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
	})
	return testCertPair
}

// okHandler answers 200 with the served-by header.
func okHandler(region string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Served-By", region)
		_, _ = w.Write([]byte("ok"))
	}
}

// useWorkers makes run (and the tests' own Run calls) use the worker
// transport; useTLS makes server serve https; bothTransports sets them.
var useWorkers, useTLS bool

// bothTransports runs f on the event loops, then on the workers, then on
// the event loops over https (server's TLS): the transports must behave
// the same. (The workers' https is fasthttp's client; TestTLS* run it.)
func bothTransports(t *testing.T, f func(t *testing.T)) {
	for _, v := range []struct {
		name           string
		workers, https bool
	}{{TransportEventLoops, false, false}, {TransportWorkers, true, false}, {TransportEventLoops + " https", false, true}} {
		t.Run(v.name, func(t *testing.T) {
			useWorkers, useTLS = v.workers, v.https
			defer func() { useWorkers, useTLS = false, false }()
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
	if cfg.rootCAs == nil {
		cfg.rootCAs = testRoots
	}
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
