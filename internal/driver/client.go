package driver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/results"
)

// region is one client region: its own HTTP client with its own keep-alive
// connection pool (as a population of browsers there would have), and its
// base URL that step paths are joined to.
//
// The client is fasthttp's HostClient rather than net/http's: it reads and
// writes on the calling goroutine, with no reader and writer goroutines per
// connection and no allocation per request, which is what lets the driver
// spend far less CPU per request than a net/http generator (see
// docs/driver.md). It speaks HTTP/1.1.
type region struct {
	name     string
	base     string                 // base URL without its trailing '/'
	client   *fasthttp.HostClient   // for the base URL's host
	clients  []*fasthttp.HostClient // by step: client, or an absolute URL's host's own
	products int                    // product ids {{product}} draws from

	// For the event loops: the Host header, the base URL's path, and by
	// step the requests serialised once (one per product when the step
	// draws one; nil for a step rendered per journey, see wire.go).
	host     []byte
	basePath []byte
	wire     [][][]byte
}

func newRegion(name, base string, cfg Config, steps []cstep) (*region, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", name, err)
	}
	base = strings.TrimRight(base, "/")
	rg := &region{name: name, base: base, client: newClient(u, cfg), products: cfg.Products,
		host: []byte(u.Host), basePath: []byte(strings.TrimRight(u.EscapedPath(), "/"))}
	own := map[string]*fasthttp.HostClient{}
	for i := range steps {
		cs := &steps[i]
		c := rg.client
		if cs.origin != "" {
			if c = own[cs.origin]; c == nil {
				ou, _ := url.Parse(cs.origin) // compileSteps parsed it
				c = newClient(ou, cfg)
				own[cs.origin] = c
			}
		}
		rg.clients = append(rg.clients, c)
		rg.wire = append(rg.wire, rg.serialise(cs, cfg.NoCookies))
	}
	return rg, nil
}

// serialise returns cs's requests on the wire when they are the same for
// every journey: one, or one per product id.
func (rg *region) serialise(cs *cstep, noCookies bool) [][]byte {
	if cs.dynamic || cs.origin != "" {
		return nil
	}
	n := 1
	if cs.usesProduct() {
		n = rg.products
	}
	out := make([][]byte, n)
	var scratch []byte
	for p := range n {
		st := jstate{fixProduct: p + 1}
		out[p], scratch, _ = appendRequest(nil, scratch, &st, rg, cs)
	}
	return out
}

// closeIdle closes the idle connections of every client of rg.
func (rg *region) closeIdle() {
	rg.client.CloseIdleConnections()
	for _, c := range rg.clients {
		c.CloseIdleConnections()
	}
}

// newClient returns a client for u's host whose pool holds a connection for
// every worker: connections are reused as a browser reuses them (most
// recently used first, so the pool shrinks back after a burst), never opened
// per request. Each request's deadline (intended start + timeout) covers
// dialing, writing and reading. A request is sent once: a transport failure is
// the user's failure, not retried into a success.
func newClient(u *url.URL, cfg Config) *fasthttp.HostClient {
	isTLS := u.Scheme == "https"
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[bool]string{false: "80", true: "443"}[isTLS])
	}
	// net's dialer, not fasthttp's: fasthttp v1.55's dialer pools timers in a
	// way that panics under Go 1.23+ timers ("active timer trapped into
	// initTimer", fixed upstream in valyala/fasthttp#2351).
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	var tlsConfig *tls.Config
	if isTLS {
		tlsConfig = sessionTLS(cfg, "")
	}
	return &fasthttp.HostClient{
		Addr:                      addr,
		IsTLS:                     isTLS,
		TLSConfig:                 tlsConfig,
		Name:                      "slocheck",
		Dial:                      func(a string) (net.Conn, error) { return dialer.Dial("tcp", a) },
		MaxConns:                  cfg.MaxWorkers,
		MaxIdleConnDuration:       idleConnTimeout,
		MaxIdemponentCallAttempts: 1,
		ConnPoolStrategy:          fasthttp.LIFO,
		DisablePathNormalizing:    true,
	}
}

// sessionTLS is an origin's TLS configuration on either transport: the
// run's roots and a session cache of its own, as a browser keeps per
// origin, so that a new connection resumes the session of an earlier one
// (an abbreviated handshake) instead of a full handshake each time.
// serverName "" leaves it to the client (fasthttp sets the host's).
func sessionTLS(cfg Config, serverName string) *tls.Config {
	return &tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(0), RootCAs: cfg.rootCAs, ServerName: serverName}
}

// idleConnTimeout is how long both transports keep a connection no request
// uses (a variable for tests).
var idleConnTimeout = 90 * time.Second

// classify maps a transport error, or else the status, to an error kind
// (DESIGN.md §2).
func classify(err error, status int) results.ErrorKind {
	if err != nil {
		return classifyErr(err)
	}
	switch {
	case status >= 500 || status == fasthttp.StatusTooManyRequests:
		return results.Err5xx
	case status >= 400:
		return results.Err4xx
	}
	return results.ErrNone
}

func classifyErr(err error) results.ErrorKind {
	var te interface{ Timeout() bool }
	switch {
	case errors.As(err, &te) && te.Timeout():
		return results.ErrTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return results.ErrRefused
	case errors.Is(err, fasthttp.ErrConnectionClosed), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return results.ErrReset
	}
	return results.ErrOther
}
