package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slocheck/slocheck/results"
)

// EdgeHeader names the edge (client region) that forwarded a request; the
// edge sets it on the answers it makes itself (502, 504).
const EdgeHeader = "X-Edge"

// origin is one region as one edge sees it.
type origin struct {
	region string
	url    *url.URL
	delay  time.Duration // one-way WAN delay edge → origin

	mu        sync.Mutex
	window    []bool // results of the last SampleSize probes, a ring
	next      int
	healthy   bool
	lastProbe time.Time
	lastErr   string
	log       []probeRecord // the last maxProbeLog probes, oldest first
}

// probeRecord is one probe as sent: the ground truth behind a transition.
type probeRecord struct {
	Tick time.Time // when the schedule said to send it
	Sent time.Time // when it left (later than Tick when the prober was starved of CPU)
	Done time.Time // when its result was known
	OK   bool
}

const maxProbeLog = 256

// record adds one probe result and reports whether the origin's health changed.
func (o *origin) record(pr probeRecord, errText string, required int) (changed, healthy bool, successes int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.log) == maxProbeLog {
		o.log = append(o.log[:0], o.log[1:]...)
	}
	o.log = append(o.log, pr)
	ok, at := pr.OK, pr.Done
	o.window[o.next] = ok
	o.next = (o.next + 1) % len(o.window)
	for _, s := range o.window {
		if s {
			successes++
		}
	}
	was := o.healthy
	o.healthy = successes >= required
	o.lastProbe, o.lastErr = at, errText
	return was != o.healthy, o.healthy, successes
}

func (o *origin) isHealthy() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.healthy
}

// edge is one front door POP: the reverse proxy for one client region, with
// its own health probes of every origin.
type edge struct {
	name    string
	probe   ProbeSettings
	origins []*origin // by preference: nearest (lowest WAN delay) first
	proxy   *httputil.ReverseProxy
	prober  *http.Client
	srv     *http.Server
	url     string
	rr      atomic.Uint64
	record  func(results.Event)
	// received counts the requests clients sent the edge, failed those it
	// answered with a status >= 500 or 429 (an origin's, or its own 502 and
	// 504): the platform's own count of the traffic (GET /state).
	received, failed atomic.Uint64
}

type originKey struct{}

func newEdge(name string, cfg *Config, regionURLs map[string]*url.URL, record func(results.Event), timers *timerGauge) *edge {
	e := &edge{name: name, probe: cfg.Probe, record: record}
	for _, r := range cfg.Regions {
		window := make([]bool, cfg.Probe.SampleSize)
		for i := range window {
			window[i] = true // the platform starts healthy
		}
		e.origins = append(e.origins, &origin{region: r, url: regionURLs[r], delay: cfg.delay(name, r), window: window, healthy: true})
	}
	near := cfg.ClientRegions[name]
	slices.SortStableFunc(e.origins, func(a, b *origin) int {
		if a.delay != b.delay {
			return int(a.delay - b.delay)
		}
		if a.region == near {
			return -1
		}
		if b.region == near {
			return 1
		}
		return 0
	})
	traffic := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: cfg.OriginTimeout,
	}
	e.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			o := pr.In.Context().Value(originKey{}).(*origin)
			pr.SetURL(o.url)
			pr.SetXForwarded()
		},
		Transport: wanTransport{traffic, timers},
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
				e.failed.Add(1)
			}
			return nil
		},
		ErrorHandler: e.proxyError,
		ErrorLog:     discardLog,
		BufferPool:   bufferPool{},
	}
	e.prober = &http.Client{Transport: wanTransport{&http.Transport{
		DialContext:         (&net.Dialer{Timeout: cfg.Probe.Timeout}).DialContext,
		MaxIdleConnsPerHost: 2,
	}, timers}}
	return e
}

// pick returns the origin for the next request: the nearest healthy one, or,
// when none is healthy, each origin in turn (Front Door then routes to all).
func (e *edge) pick() *origin {
	for _, o := range e.origins {
		if o.isHealthy() {
			return o
		}
	}
	return e.origins[int(e.rr.Add(1)%uint64(len(e.origins)))]
}

// ServeHTTP forwards a request to the chosen origin.
func (e *edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.received.Add(1)
	o := e.pick()
	e.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), originKey{}, o)))
}

// proxyError answers a request the origin did not: 504 when it did not
// answer in time, 502 when it could not be reached.
func (e *edge) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	e.failed.Add(1)
	o := r.Context().Value(originKey{}).(*origin)
	status := http.StatusBadGateway
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		status = http.StatusGatewayTimeout
	}
	w.Header().Set(EdgeHeader, e.name)
	writeError(w, status, fmt.Sprintf("edge %s: origin %s: %v", e.name, o.region, err))
}

// probeLoop probes o every Interval, starting after phase, until ctx is done.
// Each edge and origin has its own loop and phase, as Front Door's POPs do.
func (e *edge) probeLoop(ctx context.Context, o *origin, phase time.Duration) {
	first := time.Now().Add(phase)
	if !sleepCtx(ctx, phase) {
		return
	}
	tick := time.NewTicker(e.probe.Interval)
	defer tick.Stop()
	for due := first; ; {
		e.probeOnce(ctx, o, due)
		select {
		case <-ctx.Done():
			return
		case due = <-tick.C: // a ticker sends the time the tick was due
		}
	}
}

// probeOnce sends one GET /health; only a 200 within Timeout succeeds.
func (e *edge) probeOnce(ctx context.Context, o *origin, due time.Time) {
	pr := probeRecord{Tick: due.Round(0), Sent: time.Now().Round(0)}
	pctx, cancel := context.WithTimeout(context.WithValue(ctx, originKey{}, o), e.probe.Timeout)
	defer cancel()
	ok, errText := false, ""
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, o.url.String()+"/health", nil)
	if err == nil {
		var resp *http.Response
		if resp, err = e.prober.Do(req); err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ok = err == nil && resp.StatusCode == http.StatusOK
			if err == nil && !ok {
				errText = resp.Status
			}
		}
	}
	if err != nil {
		errText = err.Error()
	}
	pr.Done, pr.OK = time.Now().Round(0), ok
	if ctx.Err() != nil {
		return // shutting down: not a probe result
	}
	changed, healthy, n := o.record(pr, errText, e.probe.SuccessfulSamples)
	if changed {
		e.record(results.Event{
			Time: pr.Done, Kind: results.EventProbe, Edge: e.name, Region: o.region, Healthy: &healthy,
			Detail: fmt.Sprintf("%d of the last %d probes succeeded, %d required; last: %s", n, e.probe.SampleSize, e.probe.SuccessfulSamples, orOK(errText)),
		})
	}
}

func orOK(s string) string {
	if s == "" {
		return "200 OK"
	}
	return s
}

// bufferPool recycles the proxy's copy buffers (without one, each request
// allocates 32 KiB).
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { return make([]byte, 32<<10) }}

// Get returns a buffer.
func (bufferPool) Get() []byte { return buffers.Get().([]byte) }

// Put returns b to the pool.
func (bufferPool) Put(b []byte) { buffers.Put(b) }

// wanTransport adds the WAN delay to each direction of a round trip: the
// request reaches the origin one delay after it is sent, and the answer (or
// the refusal) the edge one delay after the origin gave it.
type wanTransport struct {
	next   http.RoundTripper
	timers *timerGauge
}

// RoundTrip implements http.RoundTripper.
func (t wanTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	d := req.Context().Value(originKey{}).(*origin).delay
	if !t.timers.sleep(req.Context(), d) {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper always closes the body
		}
		return nil, req.Context().Err()
	}
	resp, err := t.next.RoundTrip(req)
	if !t.timers.sleep(req.Context(), d) && err == nil {
		resp.Body.Close()
		return nil, req.Context().Err()
	}
	return resp, err
}
