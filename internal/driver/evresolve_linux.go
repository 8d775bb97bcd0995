//go:build linux

package driver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// evResolveEvery is how often the event loops resolve a target's host name
// again. Go's resolver does not return the answer's TTL, so a fixed interval
// stands for it, shorter than the minute a browser keeps a host's answer:
// a front door that moves a name to other addresses is followed within it.
// Connections already open keep their address until they close, as a
// browser's do.
const evResolveEvery = 30 * time.Second

// evTarget is one client region's target as the event loops dial it: an IP
// address, or a host name resolved when the run starts and again every
// evResolveEvery (by one goroutine for all the loops; a failed lookup keeps
// the last answer).
type evTarget struct {
	host string // the name to resolve; "" for an IP address
	port int
	tls  *tls.Config                // https: the region's (its session cache shared by the loops); nil for http
	addr atomic.Pointer[netip.Addr] // the address new connections dial
}

// evTargets returns every region's target when all of them can use the
// event loops (http:// and https:// targets), host names not yet resolved.
func evTargets(regions []*region, targets map[string]string) ([]*evTarget, bool) {
	ts := make([]*evTarget, len(regions))
	for i, rg := range regions {
		u, err := url.Parse(targets[rg.name])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			return nil, false
		}
		port, err := strconv.Atoi(u.Port())
		if u.Port() == "" {
			port, err = map[bool]int{false: 80, true: 443}[u.Scheme == "https"], nil
		}
		if err != nil || port <= 0 || port > 65535 {
			return nil, false
		}
		t := &evTarget{port: port}
		if u.Scheme == "https" {
			t.tls = &tls.Config{ServerName: u.Hostname()}
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil {
			a = a.Unmap()
			t.addr.Store(&a)
		} else {
			t.host = u.Hostname()
		}
		ts[i] = t
	}
	return ts, true
}

// lookupFunc resolves a host name to its addresses.
type lookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// resolve looks t's host name up (bounded by timeout) and keeps its first
// IPv4 address, else its first: one address a loop can dial without trying
// others in turn (a public front door answers on both families; localhost
// may list ::1 first while a test server listens on 127.0.0.1 only).
func (t *evTarget) resolve(ctx context.Context, lookup lookupFunc, timeout time.Duration) error {
	if t.host == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := lookup(ctx, t.host)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("no address")
	}
	if err != nil {
		return fmt.Errorf("resolve %s: %w", t.host, err)
	}
	a := addrs[0].Unmap()
	for _, b := range addrs {
		if b.Unmap().Is4() {
			a = b.Unmap()
			break
		}
	}
	if old := t.addr.Load(); old == nil || *old != a {
		t.addr.Store(&a)
	}
	return nil
}

// refreshLoop resolves ts's host names every interval until ctx ends.
func refreshLoop(ctx context.Context, ts []*evTarget, lookup lookupFunc, interval, timeout time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			for _, t := range ts {
				_ = t.resolve(ctx, lookup, timeout) // on failure the last answer stays
			}
		}
	}
}

// sockaddr is the socket address of a at port.
func sockaddr(a netip.Addr, port int) unix.Sockaddr {
	if a.Is4() {
		return &unix.SockaddrInet4{Port: port, Addr: a.As4()}
	}
	return &unix.SockaddrInet6{Port: port, Addr: a.As16()}
}

// dialAddr is the address a loop's new connection to region rg dials:
// its own copy (Connect writes into a Sockaddr), made again when the
// target's answer changed.
func (l *evloop) dialAddr(rg int) unix.Sockaddr {
	t := l.targets[rg]
	if a := t.addr.Load(); a != l.dialed[rg] {
		l.dialed[rg], l.addrs[rg] = a, sockaddr(*a, t.port)
	}
	return l.addrs[rg]
}

// resolveTargets returns the regions' targets for the event loops, their
// host names resolved; false when the workers must run the schedule (an
// https target, or a name that does not resolve now: the workers report
// each request's failure).
func (r *runner) resolveTargets(ctx context.Context) ([]*evTarget, bool) {
	ts, ok := evTargets(r.regions, r.cfg.Targets)
	if !ok {
		return nil, false
	}
	for _, t := range ts {
		if t.resolve(ctx, r.lookup(), r.cfg.Timeout) != nil {
			return nil, false
		}
		if t.tls != nil {
			t.tls = sessionTLS(r.cfg, t.tls.ServerName)
		}
	}
	return ts, true
}

// refreshTargets starts resolving ts's host names again every
// evResolveEvery (Config.resolveEvery in tests); the returned func stops it
// and waits.
func (r *runner) refreshTargets(ctx context.Context, ts []*evTarget) (stop func()) {
	names := ts[:0:0]
	for _, t := range ts {
		if t.host != "" {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		return func() {}
	}
	every := evResolveEvery
	if r.cfg.resolveEvery > 0 {
		every = r.cfg.resolveEvery
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		refreshLoop(ctx, names, r.lookup(), every, r.cfg.Timeout)
	}()
	return func() { cancel(); <-done }
}

func (r *runner) lookup() lookupFunc {
	if r.cfg.lookup != nil {
		return r.cfg.lookup
	}
	return defaultLookup
}
