//go:build linux

package driver

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/slocheck/slocheck/results"
)

// HTTPS on the event loops. A new connection's TCP dial and TLS handshake
// run on a goroutine of their own, blocking in the runtime's poller as any
// Go client does (crypto/tls latches a handshake that meets a would-block
// error); the established connection's socket is then handed to the loop,
// which from there on does everything on its one goroutine as for plain
// HTTP: crypto/tls runs over tlsIO, whose Read gives the ciphertext the
// loop read from the socket and otherwise a temporary error (which
// crypto/tls returns without latching, keeping the partial record), and
// whose Write buffers the ciphertext for the loop to write. Each region's
// targets share a session cache, so a new connection resumes a session
// (an abbreviated handshake) as a browser does.

// errWouldBlock is tlsIO's Read with no ciphertext left: a temporary
// net.Error, so crypto/tls returns it without failing the connection.
var errWouldBlock error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "tls: no bytes read yet" }
func (wouldBlock) Timeout() bool   { return false }
func (wouldBlock) Temporary() bool { return true }

// tlsIO is the net.Conn under an event loop's tls.Conn: the dialed
// connection during the handshake (nc), the loop's buffers after it.
type tlsIO struct {
	nc  net.Conn
	raw []byte // ciphertext read from the socket; raw[off:] not yet taken
	off int
	eof bool   // the peer closed its side
	out []byte // ciphertext written, not yet sent
}

func (t *tlsIO) Read(b []byte) (int, error) {
	if t.nc != nil {
		return t.nc.Read(b)
	}
	if t.off == len(t.raw) {
		t.raw, t.off = t.raw[:0], 0
		if t.eof {
			return 0, io.EOF
		}
		return 0, errWouldBlock
	}
	n := copy(b, t.raw[t.off:])
	t.off += n
	return n, nil
}

func (t *tlsIO) Write(b []byte) (int, error) {
	if t.nc != nil {
		return t.nc.Write(b)
	}
	t.out = append(t.out, b...)
	return len(b), nil
}

func (t *tlsIO) Close() error {
	if t.nc != nil {
		return t.nc.Close()
	}
	return nil
}

func (t *tlsIO) LocalAddr() net.Addr {
	if t.nc != nil {
		return t.nc.LocalAddr()
	}
	return &net.TCPAddr{}
}

func (t *tlsIO) RemoteAddr() net.Addr {
	if t.nc != nil {
		return t.nc.RemoteAddr()
	}
	return &net.TCPAddr{}
}

func (t *tlsIO) SetDeadline(d time.Time) error {
	if t.nc != nil {
		return t.nc.SetDeadline(d)
	}
	return nil
}

func (t *tlsIO) SetReadDeadline(d time.Time) error {
	if t.nc != nil {
		return t.nc.SetReadDeadline(d)
	}
	return nil
}

func (t *tlsIO) SetWriteDeadline(d time.Time) error {
	if t.nc != nil {
		return t.nc.SetWriteDeadline(d)
	}
	return nil
}

// evShake is a handshake's outcome, handed to the loop.
type evShake struct {
	c   *evConn
	fd  int // a duplicate of the dialed socket's, the loop's to close
	tc  *tls.Conn
	tio *tlsIO
	err error
}

// evShakes is where a loop's handshake goroutines leave their outcomes.
type evShakes struct {
	mu    sync.Mutex
	done  []evShake
	ended bool // the loop closed: outcomes are closed, not handed over
}

// dialTLS starts c's dial and handshake to region rg's target on a
// goroutine; the loop takes the outcome in takeShakes.
func (l *evloop) dialTLS(c *evConn, rg int) {
	t := l.targets[rg]
	addr := netip.AddrPortFrom(*t.addr.Load(), uint16(t.port)).String()
	// Not the run's context: a request in flight at a cancel ends by its
	// deadline, as on plain HTTP (the handshake by the timeout).
	ctx := context.WithoutCancel(l.ctx)
	l.handshaking[c] = struct{}{}
	l.shaking[rg]++
	go func() {
		h := handshake(ctx, addr, t.tls, l.r.cfg.Timeout)
		h.c = c
		l.shakes.mu.Lock()
		defer l.shakes.mu.Unlock()
		if l.shakes.ended {
			if h.fd >= 0 {
				unix.Close(h.fd)
			}
			return
		}
		l.shakes.done = append(l.shakes.done, h)
		l.wakeUp() // under the lock: the loop's eventfd is open until ended
	}()
}

// handshake dials addr and does the TLS handshake within timeout, then
// takes the socket out of the runtime's poller (a duplicate of its fd).
func handshake(ctx context.Context, addr string, cfg *tls.Config, timeout time.Duration) evShake {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return evShake{fd: -1, err: err}
	}
	defer nc.Close()
	tio := &tlsIO{nc: nc}
	tc := tls.Client(tio, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return evShake{fd: -1, err: err}
	}
	rc, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		return evShake{fd: -1, err: err}
	}
	fd, derr := -1, error(nil)
	if err := rc.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil || derr != nil {
		return evShake{fd: -1, err: errors.Join(err, derr)}
	}
	tio.nc = nil // from here on the loop's buffers (nc is closed, fd stays open)
	return evShake{fd: fd, tc: tc, tio: tio}
}

// takeShakes hands the finished handshakes' connections to the loop.
func (l *evloop) takeShakes() {
	l.shakes.mu.Lock()
	done := l.shakes.done
	l.shakes.done = nil
	l.shakes.mu.Unlock()
	for _, h := range done {
		l.shook(h)
	}
}

func (l *evloop) shook(h evShake) {
	c := h.c
	delete(l.handshaking, c)
	l.shaking[c.region]--
	defer l.dequeue(c.region) // a handshake's place is free
	switch {
	case c.closed: // its request ended (deadline, cancel) meanwhile
		if h.fd >= 0 {
			unix.Close(h.fd)
		}
		return
	case h.err != nil:
		l.failErr(c, h.err)
		return
	}
	c.fd, c.tc, c.tio, c.connecting = h.fd, h.tc, h.tio, false
	stampSocket(c.fd)
	if err := l.watch(c); err != nil {
		l.failErr(c, err)
		return
	}
	if c.task != nil {
		l.flush(c)
	}
}

// maxHandshakes bounds a loop's TLS handshakes in progress to one region:
// beyond it a request waits for a connection (one whose handshake ends, or
// one an answer frees) rather than start another handshake, as a browser
// bounds its connections to a host. Without it, on a starved machine every
// late answer adds a request in flight, which starts a handshake, which
// makes the next answers later: a storm of handshakes in which nearly every
// request times out.
const maxHandshakes = 8

// evQueued is a request waiting for a connection (gen: its send).
type evQueued struct {
	t   *evTask
	gen uint32
}

// queue makes t's request req wait for a connection of its region.
func (l *evloop) queue(t *evTask, req []byte, rendered bool) {
	if rendered {
		t.rbuf = append(t.rbuf[:0], req...)
		req = t.rbuf
	}
	t.req, t.queued = req, true
	rg := t.a.region
	l.queued[rg] = append(l.queued[rg], evQueued{t: t, gen: t.gen})
}

// dequeue gives region rg's waiting requests the connections there are now.
func (l *evloop) dequeue(rg int) {
	for q := l.queued[rg]; len(q) > 0; q = l.queued[rg] {
		w := q[0]
		if !w.t.queued || w.t.gen != w.gen {
			l.queued[rg] = q[1:] // ended by its deadline
			continue
		}
		c, err := l.conn(rg)
		if c == nil && err == nil {
			return
		}
		l.queued[rg] = q[1:]
		w.t.queued = false
		if err != nil {
			cs, _ := l.r.current(&w.t.jstate)
			l.report(w.t, l.r.regions[rg], cs, err, nil, time.Now())
			l.next(w.t)
			continue
		}
		l.attach(w.t, c, w.t.req, false)
	}
	l.queued[rg] = nil // let a drained queue's array go
}

// unqueue ends t's waiting request with kind.
func (l *evloop) unqueue(t *evTask, kind results.ErrorKind) {
	t.queued = false
	cs, _ := l.r.current(&t.jstate)
	l.reportKind(t, l.r.regions[t.a.region], cs, kind)
	l.next(t)
}

// endShakes makes the handshakes still running close their own sockets.
func (l *evloop) endShakes() {
	l.shakes.mu.Lock()
	defer l.shakes.mu.Unlock()
	l.shakes.ended = true
	for _, h := range l.shakes.done {
		if h.fd >= 0 {
			unix.Close(h.fd)
		}
	}
	l.shakes.done = nil
}

// flushTLS encrypts c's request and writes what it can of the ciphertext.
func (l *evloop) flushTLS(c *evConn) {
	if len(c.wbuf) > 0 {
		if _, err := c.tc.Write(c.wbuf); err != nil {
			l.failErr(c, err)
			return
		}
		c.wbuf = nil
	}
	if base := c.tio.out; l.write(c, &c.tio.out) {
		c.tio.out = base[:0] // its array for the next request
	}
}

// readTLS reads c's ciphertext to EAGAIN and decrypts it into c.buf; false
// when c failed (reported).
func (l *evloop) readTLS(c *evConn) (eof, ok bool) {
	for t := c.tio; !t.eof; {
		if len(t.raw) == cap(t.raw) {
			t.raw = append(t.raw, make([]byte, max(4096, cap(t.raw)))...)[:len(t.raw)]
		}
		n, stamp, err := l.rx.read(c.fd, t.raw[len(t.raw):cap(t.raw)])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil {
			l.failErr(c, err)
			return false, false
		}
		t.raw = t.raw[:len(t.raw)+n]
		t.eof = n == 0
		if stamp != 0 {
			c.stamp = stamp
		}
	}
	for {
		if len(c.buf) == cap(c.buf) {
			c.buf = append(c.buf, make([]byte, max(4096, cap(c.buf)))...)[:len(c.buf)]
		}
		n, err := c.tc.Read(c.buf[len(c.buf):cap(c.buf)])
		c.buf = c.buf[:len(c.buf)+n]
		switch {
		case err == errWouldBlock:
			return false, true
		case err == io.EOF:
			return true, true
		case err != nil:
			l.failErr(c, err)
			return false, false
		case len(c.buf) > maxAnswerBytes:
			return false, true
		}
	}
}
