package driver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/internal/results"
)

// region is one client region: its own HTTP client with its own keep-alive
// connection pool (as a population of browsers there would have), and the
// request URLs of each step, built once.
//
// The client is fasthttp's HostClient rather than net/http's: it reads and
// writes on the calling goroutine, with no reader and writer goroutines per
// connection and no allocation per request, which is what lets the driver
// spend far less CPU per request than a net/http generator (see
// docs/driver.md). It speaks HTTP/1.1.
type region struct {
	name     string
	client   *fasthttp.HostClient
	urls     [numSteps]string // by step index; product is per id
	products []string         // /products/{id} for id 1..Products

	// The same requests on the wire, for the event loops.
	wire         [numSteps][]byte
	wireProducts [][]byte
}

func newRegion(name, base string, cfg Config) (*region, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", name, err)
	}
	base = strings.TrimRight(base, "/")
	rg := &region{name: name, client: newClient(u, cfg)}
	rg.urls[stepBrowse] = base + "/catalog"
	rg.urls[stepCart] = base + "/cart"
	rg.urls[stepCheckout] = base + "/checkout"
	for id := 1; id <= cfg.Products; id++ {
		rg.products = append(rg.products, fmt.Sprintf("%s/products/p-%03d", base, id))
	}
	bodies := [numSteps][]byte{stepCart: cfg.CartBody, stepCheckout: cfg.CheckoutBody}
	for s, uri := range rg.urls {
		if s == stepProduct {
			continue
		}
		if rg.wire[s], err = wireRequest(uri, s == stepCart || s == stepCheckout, bodies[s]); err != nil {
			return nil, err
		}
	}
	for _, uri := range rg.products {
		b, err := wireRequest(uri, false, nil)
		if err != nil {
			return nil, err
		}
		rg.wireProducts = append(rg.wireProducts, b)
	}
	return rg, nil
}

// newClient returns a client for u's host whose pool holds a connection for
// every worker: connections are reused as a browser reuses them (most
// recently used first, so the pool shrinks back after a burst), never opened
// per request. Each request's deadline (intended start + timeout) covers
// dialing, writing and reading. A request is sent once: a transport failure is
// the user's failure, not retried into a success.
func newClient(u *url.URL, cfg Config) *fasthttp.HostClient {
	tls := u.Scheme == "https"
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[bool]string{false: "80", true: "443"}[tls])
	}
	// net's dialer, not fasthttp's: fasthttp v1.55's dialer pools timers in a
	// way that panics under Go 1.23+ timers ("active timer trapped into
	// initTimer", fixed upstream in valyala/fasthttp#2351).
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	return &fasthttp.HostClient{
		Addr:                      addr,
		IsTLS:                     tls,
		Name:                      "slocheck",
		Dial:                      func(a string) (net.Conn, error) { return dialer.Dial("tcp", a) },
		MaxConns:                  cfg.MaxWorkers,
		MaxIdleConnDuration:       90 * time.Second,
		MaxIdemponentCallAttempts: 1,
		ConnPoolStrategy:          fasthttp.LIFO,
		DisablePathNormalizing:    true,
	}
}

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
