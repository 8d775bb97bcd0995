//go:build linux

package driver

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// evPark lets an event loop sleep in the Go scheduler rather than in a
// blocking system call. A loop that blocks in epoll_pwait2 holds its P in a
// system call; the runtime's monitor (sysmon) then polls every 20 µs and,
// when no other P is idle (GOMAXPROCS=1: a process pinned to one core, a
// container limited to one CPU), takes the P away and starts another thread
// for it at every wait: several context switches per wake-up, most of the
// CPU a loop spends at 2,000 and 5,000 req/s pinned (perf: runtime.sysmon
// about a third of the samples). Parked instead, the park's own epoll
// instance is registered with the runtime's poller (an epoll fd is itself
// pollable); it holds a timerfd that marks the next tick to the nanosecond
// (the runtime's own timers round a wait to the millisecond, which the
// 500 µs grid cannot use) and the loop's epoll instance, which a tick-only
// wait mutes (evrecv_linux.go), and the goroutine parks until one is
// ready: sysmon sleeps while the process does.
type evPark struct {
	ep     int               // the loop's epoll fd (its sockets, eventfd and timer)
	events []unix.EpollEvent // where a wait puts what is ready
	pfd    int               // the park's epoll: the timer, and ep while sockets wake the loop
	file   *os.File          // pfd, registered with the runtime's poller
	rc     syscall.RawConn   // its handle there
	timer  int               // timerfd in ep's and pfd's sets, edge-triggered
	armed  bool              // the timer is set, to expire at at
	at     time.Duration     // (the loop's offset from its start)
	due    time.Time         // no later than the timer's expiry (read before setting it)
	quiet  bool              // ep is muted in pfd: only the timer wakes the loop
	parked bool              // a tick-only wait has parked once
	n      int               // the last poll's events
	err    error             // and error

	// The two poll functions as values, made once: a method value made at
	// each wait escapes to the heap (rc.Read keeps it), one allocation per
	// tick, the loop's only one in a steady run.
	pollNow, pollTick func(uintptr) bool
}

// newEvPark makes the park's epoll instance (the timer and ep in it),
// registers it with the runtime's poller and adds the timer to ep too (so
// a poll of ep reports its expiry); waits fill events. On failure the
// caller waits in epoll_pwait2 as before.
func newEvPark(ep int, events []unix.EpollEvent) (*evPark, error) {
	timer, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	pfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		unix.Close(timer)
		return nil, err
	}
	fail := func(err error) (*evPark, error) {
		unix.Close(pfd)
		unix.Close(timer) // leaves ep's set with it too
		return nil, err
	}
	// Edge-triggered: each expiry is reported once without reading the
	// timerfd, and re-arming it resets it.
	tev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(timer)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, timer, &tev); err != nil {
		return fail(err)
	}
	if err := unix.EpollCtl(pfd, unix.EPOLL_CTL_ADD, timer, &tev); err != nil {
		return fail(err)
	}
	if err := unix.EpollCtl(pfd, unix.EPOLL_CTL_ADD, ep, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(ep)}); err != nil {
		return fail(err)
	}
	// O_NONBLOCK (which epoll_wait ignores) makes os.NewFile register it
	// with the poller.
	if err := unix.SetNonblock(pfd, true); err != nil {
		return fail(err)
	}
	file := os.NewFile(uintptr(pfd), "epoll")
	rc, err := file.SyscallConn()
	if err == nil {
		// Fails on a file the poller did not take, where the wait below
		// would not park.
		err = file.SetReadDeadline(time.Time{})
	}
	if err != nil {
		file.Close()
		unix.Close(timer)
		return nil, err
	}
	p := &evPark{ep: ep, events: events, pfd: pfd, file: file, rc: rc, timer: timer}
	p.pollNow, p.pollTick = p.poll, p.pollAfterPark
	return p, nil
}

// wait fills p's events with what is ready on the loop's epoll within d
// (0: only what is ready now; negative: no bound), parking the goroutine.
// at names the instant d ends (the loop's offset from its start): a timer
// already set for it is kept, so a loop woken early by its sockets does not
// set it again. With tickOnly, only the timer (d > 0) ends the wait: the
// sockets' events, the eventfd's included, wait for it and are returned
// with it.
func (p *evPark) wait(at, d time.Duration, tickOnly bool) (int, error) {
	if d == 0 {
		p.poll(0)
		return p.n, p.err
	}
	if err := p.arm(at, d); err != nil {
		return 0, err
	}
	tickOnly = tickOnly && d > 0
	if err := p.mute(tickOnly); err != nil {
		return 0, err
	}
	f := p.pollNow
	if tickOnly {
		p.parked = false
		f = p.pollTick
	}
	// Read polls first and parks only when nothing is ready.
	if err := p.rc.Read(f); err != nil {
		return 0, err
	}
	return p.n, p.err
}

// poll takes what is ready now into p.n and p.err; false when nothing is
// (the poller then parks the goroutine until the epoll fd is readable).
func (p *evPark) poll(uintptr) bool {
	p.n, p.err = rawPoll(p.ep, p.events)
	return p.n != 0 || (p.err != nil && !errors.Is(p.err, unix.EINTR))
}

// pollAfterPark parks at once unless the timer has expired (whatever is
// ready waits for it), then takes what is ready once woken. The poller
// forgets an edge that came before the wait began (RawConn.Read resets it
// and calls this first), so an expiry before the park is told by the
// clock: due is no later than it. A wake-up left over from an earlier edge
// ends the wait early: the loop then turns once for nothing.
func (p *evPark) pollAfterPark(uintptr) bool {
	if !p.parked && time.Now().Before(p.due) {
		p.parked = true
		return false
	}
	p.n, p.err = rawPoll(p.ep, p.events)
	return true
}

// mute mutes ep in the park's set (only the timer wakes the loop) or
// unmutes it (any event of ep does), when that changes.
func (p *evPark) mute(quiet bool) error {
	if quiet == p.quiet {
		return nil
	}
	var ev unix.EpollEvent
	ev.Fd = int32(p.ep)
	if !quiet {
		ev.Events = unix.EPOLLIN
	}
	if err := unix.EpollCtl(p.pfd, unix.EPOLL_CTL_MOD, p.ep, &ev); err != nil {
		return err
	}
	p.quiet = quiet
	return nil
}

// arm sets the timer to expire after d (at), or disarms it for d < 0.
func (p *evPark) arm(at, d time.Duration) error {
	if (d < 0 && !p.armed) || (d > 0 && p.armed && p.at == at) {
		return nil
	}
	var spec unix.ItimerSpec
	if d > 0 {
		spec.Value = unix.NsecToTimespec(int64(d))
	}
	p.armed, p.at, p.due = d > 0, at, time.Now().Add(d)
	_, _, errno := unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(p.timer), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// fired is called when the loop sees the timer's event: the next wait sets
// it again.
func (p *evPark) fired() { p.armed = false }

// close closes the park's epoll and the timer (the loop closes its epoll fd).
func (p *evPark) close() {
	_ = p.file.Close()
	unix.Close(p.timer)
}

// The loop's own system calls on its non-blocking descriptors never block,
// so they are made raw: a system call made the ordinary way tells the
// scheduler it may block (entersyscall), which wakes sysmon from its sleep
// into its 20 µs polling, the very cost the park avoids.

// rawWrite is write(2) on a non-blocking fd (reads are evRecv's).
func rawWrite(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// rawPoll is epoll_wait(2) with a zero timeout: what is ready now.
func rawPoll(ep int, events []unix.EpollEvent) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(ep), uintptr(unsafe.Pointer(&events[0])),
		uintptr(len(events)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
