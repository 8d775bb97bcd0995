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
// about a third of the samples). Parked instead, the loop's epoll instance
// is registered with the runtime's own poller (an epoll fd is itself
// pollable), a timerfd in it marks the next tick to the nanosecond (the
// runtime's own timers round a wait to the millisecond, which the 500 µs
// grid cannot use), and the goroutine parks until either is ready: one
// wake-up per tick, and sysmon sleeps while the process does.
type evPark struct {
	file  *os.File        // a duplicate of the loop's epoll fd, registered with the runtime's poller
	rc    syscall.RawConn // its handle there
	timer int             // timerfd in the loop's epoll, edge-triggered
	armed bool            // the timer is set
}

// newEvPark registers (a duplicate of) ep with the runtime's poller and adds
// a timerfd to ep. On failure the caller waits in epoll_pwait2 as before.
func newEvPark(ep int) (*evPark, error) {
	timer, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	// Edge-triggered: each expiry is reported once without reading the
	// timerfd, and re-arming it resets it.
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(timer)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, timer, &ev); err != nil {
		unix.Close(timer)
		return nil, err
	}
	// O_NONBLOCK (shared with ep, which epoll_wait ignores) makes
	// os.NewFile register the duplicate with the poller.
	dup, err := unix.FcntlInt(uintptr(ep), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		unix.Close(timer) // leaves ep's set with it too
		return nil, err
	}
	if err := unix.SetNonblock(dup, true); err != nil {
		unix.Close(dup)
		unix.Close(timer)
		return nil, err
	}
	file := os.NewFile(uintptr(dup), "epoll")
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
	return &evPark{file: file, rc: rc, timer: timer}, nil
}

// wait fills events with what is ready on the loop's epoll ep within d (0:
// only what is ready now; negative: no bound), parking the goroutine.
func (p *evPark) wait(ep int, events []unix.EpollEvent, d time.Duration) (int, error) {
	n, err := rawPoll(ep, events)
	if n != 0 || d == 0 || (err != nil && !errors.Is(err, unix.EINTR)) {
		return n, err
	}
	if err := p.arm(d); err != nil {
		return 0, err
	}
	rerr := p.rc.Read(func(uintptr) bool {
		n, err = rawPoll(ep, events)
		return n != 0 || (err != nil && !errors.Is(err, unix.EINTR))
	})
	if rerr != nil {
		return 0, rerr
	}
	return n, err
}

// arm sets the timer to expire after d, or disarms it for d < 0.
func (p *evPark) arm(d time.Duration) error {
	if d < 0 && !p.armed {
		return nil
	}
	var spec unix.ItimerSpec
	if d > 0 {
		spec.Value = unix.NsecToTimespec(int64(d))
	}
	p.armed = d > 0
	_, _, errno := unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(p.timer), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// close closes the duplicate and the timer (the loop closes its epoll fd).
func (p *evPark) close() {
	_ = p.file.Close()
	unix.Close(p.timer)
}

// The loop's own system calls on its non-blocking descriptors never block,
// so they are made raw: a system call made the ordinary way tells the
// scheduler it may block (entersyscall), which wakes sysmon from its sleep
// into its 20 µs polling, the very cost the park avoids.

// rawRead is read(2) on a non-blocking fd.
func rawRead(fd int, b []byte) (int, error) { return rawRW(unix.SYS_READ, fd, b) }

// rawWrite is write(2) on a non-blocking fd.
func rawWrite(fd int, b []byte) (int, error) { return rawRW(unix.SYS_WRITE, fd, b) }

func rawRW(trap uintptr, fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
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
