//go:build linux

package driver

import (
	"crypto/tls"
	"errors"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/results"
)

// The event loops' connections (evloop_linux.go has the loop): dialing,
// writing a request, reading and framing its answer, and ending a request
// that failed.

// evConn is one keep-alive connection of a region.
type evConn struct {
	fd         int
	region     int
	task       *evTask
	buf        []byte        // answer bytes read so far
	wbuf       []byte        // request bytes not yet written
	rbuf       []byte        // a request rendered for this connection (wbuf points into it)
	stamp      int64         // the kernel's receive stamp of the last bytes read (evrecv_linux.go)
	seq        int32         // tells a reused fd's events from its predecessor's
	idleSince  time.Duration // when it last went idle, from the start
	connecting bool          // dialing (https: dialing and the TLS handshake, fd -1 until done)
	closed     bool
	tc         *tls.Conn // https: the session (evtls_linux.go); nil for http
	tio        *tlsIO
}

// pending is whether c has request bytes not yet written.
func (c *evConn) pending() bool { return len(c.wbuf) > 0 || (c.tio != nil && len(c.tio.out) > 0) }

// conn returns an idle connection of region rg, or dials a new one; nil
// (and no error) for https when maxHandshakes of rg's are in progress.
func (l *evloop) conn(rg int) (*evConn, error) {
	for idle := l.idle[rg]; len(idle) > 0; idle = l.idle[rg] {
		c := idle[len(idle)-1]
		l.idle[rg] = idle[:len(idle)-1]
		if !c.closed {
			return c, nil
		}
	}
	if l.targets[rg].tls != nil {
		if l.shaking[rg] >= maxHandshakes {
			return nil, nil // the caller queues its request
		}
		l.seq++
		c := &evConn{fd: -1, region: rg, seq: l.seq, connecting: true}
		l.dialTLS(c, rg)
		return c, nil
	}
	l.seq++
	sa := l.dialAddr(rg)
	family := unix.AF_INET
	if _, v6 := sa.(*unix.SockaddrInet6); v6 {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	stampSocket(fd)
	c := &evConn{fd: fd, region: rg, seq: l.seq}
	switch err := unix.Connect(fd, sa); {
	case errors.Is(err, unix.EINPROGRESS):
		c.connecting = true
	case err != nil:
		unix.Close(fd)
		return nil, err
	}
	if err := l.watch(c); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return c, nil
}

// watch adds c's socket to the loop's epoll set.
func (l *evloop) watch(c *evConn) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(c.fd), Pad: c.seq}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		return err
	}
	l.conns[int32(c.fd)] = c
	return nil
}

// handle is one epoll event of c.
func (l *evloop) handle(c *evConn, events uint32) {
	if c.connecting {
		if events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
			return
		}
		c.connecting = false
		if errno, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || errno != 0 {
			if err == nil {
				err = unix.Errno(errno)
			}
			l.failErr(c, err)
			return
		}
	}
	if c.pending() && c.task != nil {
		l.flush(c)
		if c.closed {
			return
		}
	}
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		l.readable(c, events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0)
	}
}

// flush writes what is left of c's request.
func (l *evloop) flush(c *evConn) {
	if c.tc != nil {
		l.flushTLS(c)
		return
	}
	l.write(c, &c.wbuf)
}

// write writes *b to c's socket until it is empty (true), the socket is
// full (EPOLLOUT will come) or c failed.
func (l *evloop) write(c *evConn, b *[]byte) bool {
	for len(*b) > 0 {
		n, err := rawWrite(c.fd, *b)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return false
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			l.failErr(c, err)
			return false
		}
		*b = (*b)[n:]
	}
	return true
}

// readable reads what c has and finishes its request when the answer is
// whole. Bytes or a close on an idle connection retire it. A read shorter
// than the space given drained the socket (epoll(7)): the next bytes bring
// a new edge, so it does not read again for EAGAIN, unless the peer closed
// (hup), whose end of file must be seen now.
func (l *evloop) readable(c *evConn, hup bool) {
	var eof, ok bool
	if c.tc != nil {
		eof, ok = l.readTLS(c)
	} else {
		eof, ok = l.readPlain(c, hup)
	}
	if !ok {
		return
	}
	if c.task == nil {
		if eof || len(c.buf) > 0 {
			l.retire(c)
		}
		return
	}
	resp, err := l.parser.parse(c.buf, eof)
	switch {
	case err != nil:
		l.fail(c, results.ErrOther)
	case resp != nil:
		l.answer(c, resp, eof || resp.ConnectionClose() || l.parser.extra() > 0)
	case eof:
		l.fail(c, results.ErrReset) // closed before a whole answer
	}
}

// readPlain reads c's bytes into c.buf; false when c failed (or retired).
func (l *evloop) readPlain(c *evConn, hup bool) (eof, ok bool) {
	for {
		if len(c.buf) == cap(c.buf) {
			c.buf = append(c.buf, make([]byte, max(4096, cap(c.buf)))...)[:len(c.buf)]
		}
		n, stamp, err := l.rx.read(c.fd, c.buf[len(c.buf):cap(c.buf)])
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return false, true
		case err != nil:
			l.failErr(c, err)
			return false, false
		case n == 0:
			return true, true
		}
		if stamp != 0 {
			c.stamp = stamp
		}
		short := n < cap(c.buf)-len(c.buf)
		c.buf = c.buf[:len(c.buf)+n]
		if len(c.buf) > maxAnswerBytes || (short && !hup) {
			return false, true
		}
	}
}

// answer reports c's request as answered by resp and frees c (or retires
// it when it cannot carry another request).
func (l *evloop) answer(c *evConn, resp *fasthttp.Response, retire bool) {
	t := c.task
	rg := l.r.regions[c.region]
	cs, _ := l.r.current(&t.jstate)
	c.task, t.conn = nil, nil
	if retire {
		l.retire(c)
	} else {
		c.idleSince = l.now()
		l.idle[c.region] = append(l.idle[c.region], c)
	}
	l.report(t, rg, cs, nil, resp, arrivedAt(time.Now(), t.sent, c.stamp))
	c.buf = c.buf[:0] // after the report: resp's bytes are read from it
	l.next(t)
	l.dequeue(c.region)
}

// fail ends c's request with kind and retires c.
func (l *evloop) fail(c *evConn, kind results.ErrorKind) {
	t := c.task
	c.task, t.conn = nil, nil
	l.retire(c)
	cs, _ := l.r.current(&t.jstate)
	l.reportKind(t, l.r.regions[c.region], cs, kind)
	l.next(t)
}

func (l *evloop) failErr(c *evConn, err error) {
	if c.task == nil {
		l.retire(c)
		return
	}
	l.fail(c, classifyErr(err))
}

// retire closes c; an idle list drops it when it comes to it.
func (l *evloop) retire(c *evConn) {
	if c.closed {
		return
	}
	c.closed = true
	if c.fd < 0 {
		return // a handshake still running: its outcome is closed (shook)
	}
	delete(l.conns, int32(c.fd))
	unix.Close(c.fd) // also removes it from the epoll set
}

// failAll ends every request in flight with err (the loop cannot go on).
func (l *evloop) failAll(err error) {
	for rg, q := range l.queued {
		l.queued[rg] = nil
		for _, w := range q {
			if w.t.queued && w.t.gen == w.gen {
				l.unqueue(w.t, classifyErr(err))
			}
		}
	}
	for c := range l.handshaking {
		if c.task != nil {
			l.failErr(c, err)
		}
	}
	for _, c := range l.conns {
		if c.task != nil {
			l.failErr(c, err)
		}
	}
}

// expireIdle retires the connections idle for longer than idleConnTimeout,
// as a browser closes them: those a burst opened go once it is over (their
// buffers and the server's sockets with them). An idle list is a stack, so
// its oldest are at the bottom. It looks once a second (or timeout).
func (l *evloop) expireIdle(now time.Duration) {
	if now-l.expired < min(time.Second, idleConnTimeout) {
		return
	}
	l.expired = now
	for rg, idle := range l.idle {
		k := 0
		for k < len(idle) && (idle[k].closed || now-idle[k].idleSince > idleConnTimeout) {
			l.retire(idle[k])
			k++
		}
		if k > 0 {
			l.idle[rg] = slices.Delete(idle, 0, k)
		}
	}
}
