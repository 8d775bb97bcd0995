//go:build linux

package driver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/results"
)

// The event-loop transport. For http:// and https:// targets (the
// embedded platform, a cluster's internal addresses, a front door, the
// benchmarks) the driver runs its journeys on event loops: each loop owns
// non-blocking sockets registered with its own epoll instance, sends a
// step's request (serialised once, see wire.go) when it is due, and reads
// the answers (at the next tick when one is due anyway, their ends from the
// kernel's receive stamps: evrecv_linux.go), all on one goroutine. There is
// no goroutine per request to park and wake, so the process sleeps once per
// batch of events instead of several times per request (docs/driver.md).
// Host names are resolved when the run starts and again every
// evResolveEvery (evresolve_linux.go); TLS is evtls_linux.go.
//
// The semantics are the workers': arrivals due by the pacer, latency from
// the intended start, a deadline of intended start + timeout covering dial,
// write and read, at most MaxWorkers journeys in progress (think time
// included), a backlog of MaxWorkers arrivals beyond them, drops, and the
// same error kinds.

// evloopRate is the request rate one loop is given before the driver adds
// another (one loop then uses about half a core on loopback).
const evloopRate = 10000

// A loop wakes on a grid for due arrivals and timers: the arrivals due
// between two ticks are sent together at the second. A request is sent at
// most one tick (plus the wake-up) after its due time, which its latency,
// counted from the due time, includes; a finer grid wakes the process more
// often (docs/driver.md has the measured trade-off). The tick holds about
// evloopTickArrivals of the loop's arrivals at its peak rate, within
// [evloopTick, evloopMaxTick]: 500 µs from 4,000 req/s a loop, 1 ms at
// 2,000 and below, where a 500 µs grid held one arrival and woke the
// process for each (a third more CPU per request, pinned to one core).
const (
	evloopTick         = 500 * time.Microsecond
	evloopMaxTick      = time.Millisecond
	evloopTickArrivals = 2
)

// tickFor is the grid of a loop given rate requests per second at its peak.
func tickFor(rate float64) time.Duration {
	if rate <= 0 {
		return evloopMaxTick
	}
	return min(max(time.Duration(evloopTickArrivals*float64(time.Second)/rate), evloopTick), evloopMaxTick)
}

// runEvloops runs the schedule on event loops and returns its stats; ok is
// false (and nothing was sent) when the targets need the workers instead.
func (r *runner) runEvloops(ctx context.Context) (st Stats, ok bool) {
	if r.cfg.noEventLoop {
		return Stats{}, false
	}
	for i := range r.steps {
		if r.steps[i].origin != "" {
			return Stats{}, false // a host of its own: the workers' clients
		}
	}
	n := min(runtime.GOMAXPROCS(0), 1+int(peakRate(r.cfg)/evloopRate))
	if r.cfg.evloops > 0 {
		n = r.cfg.evloops
	}
	targets, ok := r.resolveTargets(ctx)
	if !ok {
		return Stats{}, false
	}
	perLoop := (r.max + n - 1) / n
	loops := make([]*evloop, 0, n)
	defer func() {
		for _, l := range loops {
			l.close()
		}
	}()
	for id := range n {
		l, err := newEvloop(r, id, n, perLoop, targets)
		if err != nil {
			return Stats{}, false // no epoll here: the workers will do
		}
		l.ctx = ctx
		loops = append(loops, l)
	}

	defer r.refreshTargets(ctx, targets)()
	r.start = r.cfg.startTime()
	r.onCancel = func() {
		for _, l := range loops {
			l.wakeUp()
		}
	}
	finished := make(chan struct{}, n)
	for _, l := range loops {
		go func() {
			defer func() { finished <- struct{}{} }()
			l.runSafe()
		}()
	}
	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			r.cancel()
		case <-done:
		}
	}()
	for range loops {
		<-finished
	}
	close(done)
	<-watched // no wake-up can reach a closed (or reused) eventfd

	end := r.pacer.length()
	if r.stopped.Load() {
		end = r.cancelAt
	}
	var last time.Duration
	for _, l := range loops {
		st.Arrivals += l.arrivals
		st.BulkDropped += l.bulk
		st.Workers += l.peak
		l.addTo(&st, &last)
	}
	st.Transport = TransportEventLoops
	return r.sum(st, end, last), true
}

// peakRate is the highest request rate of cfg's schedule.
func peakRate(cfg Config) float64 {
	peak := cfg.Rate
	for _, s := range cfg.Stages {
		peak = math.Max(peak, s.Rate)
	}
	return peak
}

// evTask is one journey in progress.
type evTask struct {
	jstate
	sent   time.Time
	conn   *evConn // while a request is in flight
	gen    uint32  // bumped at every send; timers carry it
	queued bool    // sent, waiting for a connection (evtls_linux.go)
	// chained: in flight, and the journey's next step follows its answer
	// at once (no think time or held send), so the answer wakes the loop.
	chained bool
	req     []byte // then its request
	rbuf    []byte // (a rendered one, copied here)
}

// evTimer is a step whose think time ends, or a request's deadline.
type evTimer struct {
	at       time.Duration // offset from the start
	task     *evTask
	gen      uint32
	deadline bool
}

// evloop is one event loop: arrivals n with n mod of == id.
type evloop struct {
	r        *runner
	id, of   uint64
	pacer    *pacer
	n        uint64 // index of the pacer's next arrival
	upcoming arrival
	hasNext  bool
	max      int
	targets  []*evTarget     // by region
	dialed   []*netip.Addr   // by region: the target's address addrs holds
	addrs    []unix.Sockaddr // by region: the loop's own (Connect writes into it)

	ctx    context.Context // the run's: ends handshakes in progress
	shakes evShakes        // handshakes' outcomes (evtls_linux.go)
	// handshaking are the connections whose handshake is in progress;
	// shaking counts them by region, queued are the requests waiting for
	// one of them (or an idle connection) when they are at their bound.
	handshaking map[*evConn]struct{}
	shaking     []int
	queued      [][]evQueued
	ep, wake    int
	stamping    int     // a socket asking for receive stamps (stampingOn), or -1
	park        *evPark // nil: the loop blocks in epoll_pwait2
	events      [256]unix.EpollEvent
	rx          evRecv            // the sockets' reads, with the kernel's receive stamps
	conns       map[int32]*evConn // by fd
	seq         int32
	idle        [][]*evConn // per region, most recently used last
	timers      evTimers
	backlog     []arrival
	// free holds the tasks of ended journeys for the next ones: a
	// request's deadline stays in timers until it is due (rate × timeout
	// of them), and with a task per journey each would keep its task
	// alive that long. Stale deadlines carry an older gen and are ignored.
	free    []*evTask
	tick    time.Duration // the wake-up grid: tickFor the loop's share of the peak rate
	expired time.Duration // when expireIdle last looked
	active  int           // journeys in progress
	chained int           // requests in flight that are chained (evTask)
	stopped bool

	parser  *answerParser
	out     results.Outcome
	scratch []byte // a request being rendered
	body    []byte // its body being rendered

	tally
	arrivals uint64
	bulk     uint64 // requests dropped in bulk (in tally.dropped too)
	peak     int
}

func newEvloop(r *runner, id, of, max int, targets []*evTarget) (*evloop, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(ep)
		return nil, err
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		unix.Close(ep)
		unix.Close(wake)
		return nil, err
	}
	l := &evloop{r: r, id: uint64(id), of: uint64(of), max: max, ep: ep, wake: wake, targets: targets,
		dialed: make([]*netip.Addr, len(targets)), addrs: make([]unix.Sockaddr, len(targets)),
		conns: map[int32]*evConn{}, handshaking: map[*evConn]struct{}{}, shaking: make([]int, len(targets)),
		queued: make([][]evQueued, len(targets)), idle: make([][]*evConn, len(targets)), parser: newAnswerParser(),
		pacer: r.newPacer(), tick: tickFor(peakRate(r.cfg) / float64(of)), stamping: stampingOn()}
	if r.cfg.tick > 0 {
		l.tick = r.cfg.tick
	}
	if !r.cfg.blockingWait {
		l.park, _ = newEvPark(ep, l.events[:]) // without it, the loop blocks in epoll_pwait2
	}
	l.take()
	return l, nil
}

// wakeUp interrupts the loop's wait (after a cancel).
func (l *evloop) wakeUp() {
	var one = [8]byte{1}
	_, _ = unix.Write(l.wake, one[:])
}

func (l *evloop) close() {
	l.endShakes() // before the eventfd closes: no handshake wakes it after
	for _, c := range l.conns {
		unix.Close(c.fd)
	}
	if l.park != nil {
		l.park.close()
	}
	unix.Close(l.ep)
	unix.Close(l.wake)
	if l.stamping >= 0 {
		unix.Close(l.stamping)
	}
}

// take moves to the loop's next arrival.
func (l *evloop) take() {
	for {
		off, ok := l.pacer.next()
		if !ok {
			l.hasNext = false
			return
		}
		n := l.n
		l.n++
		if n%l.of == l.id && l.r.mine(n) {
			l.upcoming, l.hasNext = l.r.newArrival(n, off), true
			return
		}
	}
}

func (l *evloop) now() time.Duration { return time.Since(l.r.start) }

// runSafe is run with its panic recovered: the run is cancelled and what
// the loop had in progress ends.
func (l *evloop) runSafe() {
	defer func() {
		if l.r.recovered(recover(), fmt.Sprintf("event loop %d", l.id)) {
			l.abandon()
		}
	}()
	l.run()
}

// abandon ends what a loop that panicked had in progress, as a failed wait
// does: queued arrivals are dropped, requests in flight fail (ErrOther). The
// loop's state may be what panicked: a second panic gives up on it (the
// first is already the run's error).
func (l *evloop) abandon() {
	defer func() { _ = recover() }()
	l.stop()
	l.failAll(l.r.err())
}

// run turns until the schedule is over (or cancelled) and every journey has
// ended.
func (l *evloop) run() {
	for {
		if !l.stopped && l.r.stopped.Load() {
			l.stop()
		}
		now := l.now()
		l.arriveDue(now)
		l.fire(now)
		l.expireIdle(now)
		if (!l.hasNext || l.stopped) && l.active == 0 && len(l.backlog) == 0 {
			return
		}
		n, err := l.wait()
		if err != nil && !errors.Is(err, unix.EINTR) {
			// The epoll instance is ours and valid: this does not happen;
			// stop as after a cancel and fail what is in flight rather
			// than spin (no journey goes on to a next step).
			l.stop()
			l.failAll(err)
			return
		}
		if l.park != nil && l.park.quiet && !l.stopped && !l.r.stopped.Load() {
			// A tick-only wait ended at the tick: what is due goes out
			// first, the answers that came meanwhile, each with its
			// arrival's stamp, are read after.
			l.arriveDue(l.now())
		}
		for i := range max(n, 0) {
			ev := l.events[i]
			if ev.Fd == int32(l.wake) {
				var b [8]byte
				_, _ = unix.Read(l.wake, b[:])
				l.takeShakes()
				continue
			}
			if l.park != nil && ev.Fd == int32(l.park.timer) {
				l.park.fired() // the tick: the loop's turn above does its work
				continue
			}
			if c := l.conns[ev.Fd]; c != nil && c.seq == ev.Pad {
				l.handle(c, ev.Events)
			}
		}
	}
}

// arriveDue takes up the arrivals due by now. The clock is read again every
// lateCheck arrivals: when the loop has fallen further behind than the
// timeout (a slow sink, a starved process), the arrivals it can no longer
// serve are skipped in bulk rather than generated and dropped one by one;
// and after a tick's worth of arrivals it returns to its sockets (answers
// must not wait behind a flood of arrivals) and comes back at once.
func (l *evloop) arriveDue(now time.Duration) {
	late := now
	for i := 0; l.hasNext && !l.stopped && l.upcoming.due+l.r.cfg.HoldSends <= now; i++ {
		if i > 0 && i%lateCheck == 0 {
			if late = l.now(); late-now > l.tick {
				return
			}
		}
		if l.r.overdue(l.upcoming.due, late) {
			l.skip(late - l.r.cfg.Timeout)
			continue
		}
		l.arrive(l.upcoming)
		l.take()
	}
}

// skip drops in bulk the loop's arrivals due before cut, the upcoming one
// (number l.n-1) included, and moves to the next one after them.
func (l *evloop) skip(cut time.Duration) {
	first := l.n - 1
	l.n = l.pacer.skipTo(cut)
	k := countMod(first, l.n, l.of, l.id)
	n := l.r.bulkDrop(k, l.upcoming.due, cut)
	l.arrivals += k
	l.dropped += n
	l.bulk += n
	l.take()
}

// wait waits for events until the next arrival or timer: parked in the
// runtime's poller with a timerfd for the tick (evpark_linux.go), else
// blocking in epoll_pwait2 (Linux 5.11) to the microsecond, else rounded up
// to epoll_wait's milliseconds.
func (l *evloop) wait() (int, error) {
	at, d := l.waitFor()
	if l.park != nil {
		// Answers wait for the tick when it is due within one anyway
		// (evrecv_linux.go), unless a journey's next step waits for one.
		return l.park.wait(at, d, d <= l.tick && l.chained == 0)
	}
	if d < 0 || pwait2Missing.Load() {
		ms := -1
		if d >= 0 {
			ms = int((d + time.Millisecond - 1) / time.Millisecond) // never early
		}
		return unix.EpollWait(l.ep, l.events[:], ms)
	}
	ts := unix.NsecToTimespec(int64(d))
	n, _, errno := unix.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(l.ep), uintptr(unsafe.Pointer(&l.events[0])),
		uintptr(len(l.events)), uintptr(unsafe.Pointer(&ts)), 0, 0)
	if errno == unix.ENOSYS {
		pwait2Missing.Store(true)
		return 0, nil
	}
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

var pwait2Missing atomic.Bool

// waitFor is how long the loop may sleep (-1 for no bound): until at, the
// tick after the next arrival or timer (offset from the start).
func (l *evloop) waitFor() (at, d time.Duration) {
	next := time.Duration(-1)
	if l.hasNext && !l.stopped {
		next = l.upcoming.due + l.r.cfg.HoldSends
	}
	if len(l.timers) > 0 && (next < 0 || l.timers[0].at < next) {
		next = l.timers[0].at
	}
	if next < 0 {
		return -1, -1
	}
	now := l.now()
	if next <= now {
		return now, 0
	}
	// Wake on the tick grid: arrivals due between two ticks go together.
	next = (next + l.tick - 1) / l.tick * l.tick
	return next, next - now
}

// arrive starts a, or queues it when MaxWorkers journeys are in progress, or
// drops it when the backlog is full too.
func (l *evloop) arrive(a arrival) {
	l.arrivals++
	l.r.hook("event loop", a.due)
	switch {
	case l.active < l.max:
		l.begin(a)
	case len(l.backlog) < l.max:
		l.backlog = append(l.backlog, a)
	default:
		l.dropped += l.r.dropArrival(&l.out, a)
	}
}

// begin starts a's journey, or drops it whole when it comes more than the
// timeout after its due time or after a cancel.
func (l *evloop) begin(a arrival) {
	if l.stopped || l.r.late(a) {
		l.dropped += l.r.dropArrival(&l.out, a)
		return
	}
	l.active++
	l.peak = max(l.peak, l.active)
	var t *evTask
	if n := len(l.free); n > 0 {
		t, l.free = l.free[n-1], l.free[:n-1]
	} else {
		t = &evTask{}
	}
	l.r.begin(&t.jstate, a)
	l.send(t)
}

// end ends t's journey, keeps t for another and starts queued arrivals in
// its place.
func (l *evloop) end(t *evTask) {
	l.free = append(l.free, t)
	l.active--
	for len(l.backlog) > 0 && l.active < l.max {
		a := l.backlog[0]
		l.backlog = l.backlog[1:]
		l.begin(a)
	}
	if len(l.backlog) == 0 {
		l.backlog = l.backlog[:0:0] // let a drained burst's array go
	}
}

// stop is the cancel: queued arrivals are dropped (their steps intended by
// the cancel reported), journeys in think time end, requests in flight run
// to their answer or deadline.
func (l *evloop) stop() {
	l.stopped = true
	backlog := l.backlog
	l.backlog = nil
	for _, a := range backlog {
		l.dropped += l.r.dropArrival(&l.out, a)
	}
	kept := l.timers[:0]
	for _, t := range l.timers {
		if t.deadline {
			kept = append(kept, t)
		} else {
			l.active--
		}
	}
	l.timers = kept
	l.timers.init()
}

// fire runs the timers due by now.
func (l *evloop) fire(now time.Duration) {
	for len(l.timers) > 0 && l.timers[0].at <= now {
		t := l.timers.pop()
		switch {
		case t.deadline:
			switch {
			case t.task.gen != t.gen:
			case t.task.conn != nil:
				l.fail(t.task.conn, results.ErrTimeout)
			case t.task.queued:
				l.unqueue(t.task, results.ErrTimeout)
			}
		case l.stopped:
			l.end(t.task)
		default:
			l.send(t.task)
		}
	}
}

// send sends t's current step on an idle connection of its region, or on a
// new one.
func (l *evloop) send(t *evTask) {
	r := l.r
	rg := r.regions[t.a.region]
	cs, s := r.current(&t.jstate)
	wire := rg.wire[s]
	var kind results.ErrorKind
	if wire == nil || t.sendsCookies() {
		// Rendered for this journey: into the scratch first, then into
		// the connection's buffer (below).
		if l.scratch, l.body, kind = appendRequest(l.scratch[:0], l.body, &t.jstate, rg, cs); kind != results.ErrNone {
			r.unsent(&t.jstate, rg, cs, &l.out, kind)
			l.next(t)
			return
		}
	}
	t.gen++
	l.chain(t)
	t.sent = time.Now()
	l.sent++
	l.lastSend = max(l.lastSend, t.sent.Sub(r.start))
	l.timers.push(evTimer{at: t.intended.Add(cs.timeout).Sub(r.start), task: t, gen: t.gen, deadline: true})

	rendered := wire == nil || t.sendsCookies()
	var req []byte
	switch {
	case rendered:
		req = l.scratch
	case len(wire) == 1:
		req = wire[0]
	default:
		req = wire[t.product(rg)-1]
	}
	c, err := l.conn(int(t.a.region))
	switch {
	case err != nil:
		l.report(t, rg, cs, err, nil, time.Now())
		l.next(t)
	case c == nil: // https, its handshakes at their bound: wait for a connection
		l.queue(t, req, rendered)
	default:
		l.attach(t, c, req, rendered)
	}
}

// attach sends t's request req on c (copied into c's buffer when it is
// rendered, else req is the region's, fixed).
func (l *evloop) attach(t *evTask, c *evConn, req []byte, rendered bool) {
	c.task, t.conn = t, c
	c.stamp = 0 // the answer's own, once read
	if rendered {
		c.rbuf = append(c.rbuf[:0], req...)
		req = c.rbuf
	}
	c.wbuf = req
	if !c.connecting {
		l.flush(c)
	}
}

// report reports t's current step, ended at end: err is a dial error, else
// resp answered.
func (l *evloop) report(t *evTask, rg *region, cs *cstep, err error, resp *fasthttp.Response, end time.Time) {
	out := &l.out
	*out = results.Outcome{ClientRegion: rg.name, Step: cs.Name, Intended: t.intended, Sent: t.sent, End: end}
	l.r.answer(&l.tally, &t.jstate, rg, cs, out, resp, err)
}

func (l *evloop) reportKind(t *evTask, rg *region, cs *cstep, kind results.ErrorKind) {
	out := &l.out
	*out = results.Outcome{ClientRegion: rg.name, Step: cs.Name, Intended: t.intended, Sent: t.sent, End: time.Now(), Err: kind}
	l.r.sink.Outcome(out)
}

// chain marks t's request chained when its journey's next step is sent as
// soon as its answer is read: a loop that read that answer only at its next
// tick would send the step up to a tick late, and its latency, counted from
// the answer's arrival, would carry that wait.
func (l *evloop) chain(t *evTask) {
	j := &l.r.journeys[t.a.journey]
	if t.step+1 < len(j.steps) && j.think == 0 && l.r.cfg.HoldSends == 0 {
		t.chained = true
		l.chained++
	}
}

// next moves t to its next step (after the think time and HoldSends), or
// ends it.
func (l *evloop) next(t *evTask) {
	if t.chained {
		t.chained = false
		l.chained--
	}
	if l.stopped || !l.r.advance(&t.jstate, l.out.End) {
		l.end(t)
		return
	}
	think := l.r.journeys[t.a.journey].think
	if hold := l.r.cfg.HoldSends; think > 0 || hold > 0 {
		l.timers.push(evTimer{at: t.intended.Add(hold).Sub(l.r.start), task: t})
		return
	}
	l.send(t)
}
