// Package platform is the embedded multi-region shop platform of DESIGN.md §4:
// a shop per region on its own loopback listener, a front door with one edge
// (a real reverse proxy) per client region that routes to the nearest healthy
// region by active health probes configured as Azure Front Door's are, a WAN
// delay matrix in the request path, an order store per region with
// asynchronous replication, and faults per region (down, blackhole, errors,
// slow, replication-cut) controlled in-process or through the admin HTTP API.
//
// Failover time is not a constant here: it emerges from the probe settings
// (see DefaultProbeInterval for the arithmetic), and lost writes from the
// replication lag.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/slocheck/slocheck/results"
)

var discardLog = log.New(discardWriter{}, "", 0)

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// Platform is a running embedded platform.
type Platform struct {
	cfg     Config
	store   *store
	regions map[string]*region
	edges   map[string]*edge
	admin   *http.Server
	adminU  string
	timers  *timerGauge // how late the simulated delays fired (TimerOvershoot)

	mu     sync.Mutex // serialises Inject and Heal
	faults map[string]Fault

	evMu   sync.Mutex
	events []results.Event

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Description is where a platform listens; it marshals to the --describe
// file of DESIGN.md §4.
type Description struct {
	Admin   string            `json:"admin"`
	Edges   map[string]string `json:"edges"`   // client region → edge URL
	Regions map[string]string `json:"regions"` // region → shop URL
}

// Start starts a platform: every region's shop, every edge with its probes,
// and the admin API. It runs until Close, or until ctx is done.
func Start(ctx context.Context, cfg Config) (*Platform, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkAdminAddr(cfg.AdminAddr, cfg.AdminToken); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &Platform{
		cfg:     cfg,
		store:   newStore(cfg.Regions, cfg.ReplicationLag, cfg.Unreplicated),
		regions: map[string]*region{},
		edges:   map[string]*edge{},
		faults:  map[string]Fault{},
		cancel:  cancel,
		timers:  &timerGauge{},
	}
	if err := p.startAll(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("start platform: %w", err)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		<-ctx.Done()
		go p.Close()
	}()
	return p, nil
}

func (p *Platform) startAll(ctx context.Context) error {
	urls := map[string]*url.URL{}
	for _, name := range p.cfg.Regions {
		r := &region{shop: newShop(name, p.store, newSampler(p.cfg.Seed, name, p.cfg.service()))}
		r.shop.timers = p.timers
		if err := r.listen(listenAddr(p.cfg.RegionAddrs[name])); err != nil {
			return fmt.Errorf("region %s: %w", name, err)
		}
		p.regions[name] = r
		urls[name] = &url.URL{Scheme: "http", Host: r.addr}
	}
	phases := rand.New(rand.NewPCG(p.cfg.Seed, 0x9e3779b97f4a7c15))
	for _, name := range sortedKeys(p.cfg.ClientRegions) {
		e := newEdge(name, &p.cfg, urls, p.record, p.timers)
		l, err := net.Listen("tcp", listenAddr(p.cfg.EdgeAddrs[name]))
		if err != nil {
			return fmt.Errorf("edge %s: %w", name, err)
		}
		e.url = "http://" + l.Addr().String()
		e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog}
		go e.srv.Serve(l)
		p.edges[name] = e
		for _, o := range e.origins {
			phase := time.Duration(phases.Int64N(int64(p.cfg.Probe.Interval)))
			p.wg.Go(func() { e.probeLoop(ctx, o, phase) })
		}
	}
	p.wg.Go(func() { p.replicate(ctx) })
	return p.startAdmin()
}

// replicate delivers due replication now and then, so queues stay short.
func (p *Platform) replicate(ctx context.Context) {
	every := max(p.cfg.ReplicationLag/4, 10*time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			p.store.tick()
		}
	}
}

func listenAddr(a string) string {
	if a == "" {
		return "127.0.0.1:0"
	}
	return a
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Close stops the platform: heals blackholes so hung requests end, closes
// every listener and waits for the probes to stop.
func (p *Platform) Close() error {
	p.closeOnce.Do(func() {
		p.cancel()
		for _, r := range p.regions {
			r.shop.clearFault()
			r.stop()
		}
		var errs []error
		for _, e := range p.edges {
			errs = append(errs, e.srv.Close())
		}
		if p.admin != nil {
			errs = append(errs, p.admin.Close())
		}
		p.closeErr = errors.Join(errs...)
	})
	p.wg.Wait()
	return p.closeErr
}

// Describe returns where the platform listens.
func (p *Platform) Describe() Description {
	d := Description{Admin: p.adminU, Edges: map[string]string{}, Regions: map[string]string{}}
	for n, e := range p.edges {
		d.Edges[n] = e.url
	}
	for n, r := range p.regions {
		d.Regions[n] = "http://" + r.address()
	}
	return d
}

// Config returns the configuration the platform runs with.
func (p *Platform) Config() Config { return p.cfg }

// Inject injects f and returns its injection instant. Injecting the fault
// already active is a no-op that returns the original instant; injecting a
// different one into a region with an active fault is ErrFaultActive.
func (p *Platform) Inject(f Fault) (time.Time, error) {
	if err := f.check(p.cfg.Regions); err != nil {
		return time.Time{}, fmt.Errorf("inject: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur, ok := p.faults[f.Region]; ok {
		if cur.same(f) {
			return cur.Injected, nil
		}
		return time.Time{}, fmt.Errorf("inject %s: %w: %s since %s; heal it first",
			f.Name(), ErrFaultActive, cur.Name(), cur.Injected.Format(time.RFC3339Nano))
	}
	r := p.regions[f.Region]
	switch f.Mode {
	case ModeDown:
		f.Injected = p.store.fail(f.Region)
		r.stop()
	case ModeBlackhole:
		f.Injected = p.store.fail(f.Region)
		r.shop.setFault(f)
	case ModeReplicationCut:
		f.Injected = p.store.setCut(f.Region, true)
	default:
		f.Injected = now()
		r.shop.setFault(f)
	}
	p.faults[f.Region] = f
	p.record(results.Event{Time: f.Injected, Kind: results.EventFaultInjected, Fault: f.Name(),
		Injector: "platform", Target: f.Region, Mode: string(f.Mode), Detail: faultDetail(f)})
	return f.Injected, nil
}

func faultDetail(f Fault) string {
	switch f.Mode {
	case ModeErrors:
		return fmt.Sprintf("ratio=%g", f.ratio())
	case ModeSlow:
		return fmt.Sprintf("latency_ms=%d", f.LatencyMS)
	}
	return ""
}

// Heal heals region's active fault and returns the heal instant; with no
// fault active it does nothing and returns the zero time.
func (p *Platform) Heal(region string) (time.Time, error) {
	if !slices.Contains(p.cfg.Regions, region) {
		return time.Time{}, fmt.Errorf("heal: %w %q: want one of %v", ErrUnknownRegion, region, p.cfg.Regions)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.faults[region]
	if !ok {
		return time.Time{}, nil
	}
	r := p.regions[region]
	var healed time.Time
	switch f.Mode {
	case ModeDown:
		healed = p.store.recover(region)
		if err := r.restart(); err != nil {
			return time.Time{}, fmt.Errorf("heal %s: %w", f.Name(), err)
		}
	case ModeBlackhole:
		healed = p.store.recover(region)
		r.shop.clearFault()
	case ModeReplicationCut:
		healed = p.store.setCut(region, false)
	default:
		healed = now()
		r.shop.clearFault()
	}
	delete(p.faults, region)
	p.record(results.Event{Time: healed, Kind: results.EventFaultHealed, Fault: f.Name(),
		Injector: "platform", Target: region, Mode: string(f.Mode)})
	return healed, nil
}

// Faults returns the active faults, by region.
func (p *Platform) Faults() []Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Fault, 0, len(p.faults))
	for _, r := range p.cfg.Regions {
		if f, ok := p.faults[r]; ok {
			out = append(out, f)
		}
	}
	return out
}

func (p *Platform) record(ev results.Event) {
	p.evMu.Lock()
	p.events = append(p.events, ev)
	p.evMu.Unlock()
}

// Events returns every fault and probe-transition event so far, in time
// order: the ground truth of injection, heal and detection instants.
func (p *Platform) Events() []results.Event {
	p.evMu.Lock()
	out := append([]results.Event(nil), p.events...)
	p.evMu.Unlock()
	slices.SortStableFunc(out, func(a, b results.Event) int { return a.Time.Compare(b.Time) })
	return out
}

// ReadOrder reports whether order id is present in region's store.
func (p *Platform) ReadOrder(id, region string) (bool, error) {
	_, ok, err := p.Order(id, region)
	return ok, err
}

// Order reads order id from region's store. A region that is down or
// blackholed cannot be read (ErrUnavailable).
func (p *Platform) Order(id, region string) (Order, bool, error) {
	if !slices.Contains(p.cfg.Regions, region) {
		return Order{}, false, fmt.Errorf("read order: %w %q: want one of %v", ErrUnknownRegion, region, p.cfg.Regions)
	}
	return p.store.get(region, id)
}

// Stranded returns every acknowledged write that a region failure caught
// unreplicated, with the fault instant and, when it replicated late on heal,
// the instant it did: the ground truth of lost writes.
func (p *Platform) Stranded() []Stranded { return p.store.strandedWrites() }

// region is one region's shop with its listener, which the down fault
// closes and heal reopens on the same address.
type region struct {
	shop *Shop
	mu   sync.Mutex
	addr string
	srv  *http.Server
}

func (r *region) listen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addr = l.Addr().String()
	r.srv = &http.Server{Handler: r.shop, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog}
	go r.srv.Serve(l)
	return nil
}

// stop closes the listener and every connection: new connections are
// refused, requests in flight are cut.
func (r *region) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

func (r *region) address() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addr
}

// restart listens again on the region's address.
func (r *region) restart() error {
	r.mu.Lock()
	addr := r.addr
	r.mu.Unlock()
	return r.listen(addr)
}

func (s *Shop) setFault(f Fault) {
	s.fault.Store(&activeFault{Fault: f, release: make(chan struct{})})
}

func (s *Shop) clearFault() {
	if f := s.fault.Swap(nil); f != nil {
		close(f.release)
	}
}
