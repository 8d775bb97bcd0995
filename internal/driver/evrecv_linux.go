//go:build linux

package driver

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Answers read on the tick. When a loop's next tick is due anyway, it
// sleeps until that tick even if answers come in before it (evpark_linux.go):
// one wake-up per tick instead of one per answer as well, the largest share
// of a loop's CPU at 5,000 req/s after the kernel's TCP. An answer may so be
// read up to one tick after it arrived, and its end must not be that read:
// every socket of the loops has SO_TIMESTAMPNS set, the kernel stamps each
// packet as it is queued for the socket (CLOCK_REALTIME, in the sending
// process's context on loopback), and a read taken with recvmsg gets the
// stamp of the last packet it consumed (tcp(7): the timestamp of the last
// segment read). An answer's end is the stamp of the read that brought its
// last bytes: when they reached this host's socket, whenever the loop read
// them.

// evRecv is a loop's recvmsg(2) with room for the timestamp's control
// message; it lives in the loop, so a read allocates nothing.
type evRecv struct {
	msg unix.Msghdr
	iov unix.Iovec
	ctl [64]byte // a cmsghdr and a timespec (32 bytes), with room to spare
}

// stampSocket asks the kernel to stamp what fd receives; a socket that
// refuses it has its answers end when they are read, as before.
func stampSocket(fd int) {
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
}

// stampingOn asks for receive stamps on a socket of its own, which a loop
// holds from its start to its end: the kernel turns stamping on for the
// host a moment after the first socket asks (a deferred work item), and the
// loop's first answers should not come before it. -1 when it cannot.
func stampingOn() int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	stampSocket(fd)
	return fd
}

// read is read(2) on a non-blocking fd into b, with the kernel's receive
// stamp of the last byte read (Unix nanoseconds; 0 when there is none).
func (r *evRecv) read(fd int, b []byte) (n int, stamp int64, err error) {
	if len(b) == 0 {
		return 0, 0, nil
	}
	r.iov.Base = &b[0]
	r.iov.SetLen(len(b))
	r.msg.Iov = &r.iov
	r.msg.Iovlen = 1
	r.msg.Control = &r.ctl[0]
	r.msg.SetControllen(len(r.ctl))
	r.msg.Flags = 0
	k, _, errno := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&r.msg)), 0)
	r.iov.Base = nil // b is not kept alive by the loop
	if errno != 0 {
		return 0, 0, errno
	}
	return int(k), r.stamp(), nil
}

// stamp is the SCM_TIMESTAMPNS in the last read's control messages.
func (r *evRecv) stamp() int64 {
	end := min(int(r.msg.Controllen), len(r.ctl))
	for off := 0; off+unix.SizeofCmsghdr <= end; {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&r.ctl[off]))
		if h.Len < unix.SizeofCmsghdr || off+int(h.Len) > end {
			return 0
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && int(h.Len) >= unix.SizeofCmsghdr+int(unsafe.Sizeof(unix.Timespec{})) {
			ts := (*unix.Timespec)(unsafe.Pointer(&r.ctl[off+unix.SizeofCmsghdr]))
			return ts.Nano()
		}
		off += cmsgAlign(int(h.Len))
	}
	return 0
}

// cmsgAlign rounds n up to a control message's alignment (the word).
func cmsgAlign(n int) int {
	const w = int(unsafe.Sizeof(uintptr(0)))
	return (n + w - 1) &^ (w - 1)
}

// arrivedAt is the instant an answer whose last bytes the kernel stamped
// at stamp (Unix nanoseconds; 0 for none) reached the socket, on now's
// monotonic clock: now less the stamp's age by the wall clock, which is the
// stamp's. It is never later than now nor earlier than sent (a wall clock
// stepped in between could claim either).
func arrivedAt(now, sent time.Time, stamp int64) time.Time {
	if stamp == 0 {
		return now
	}
	age := time.Duration(now.UnixNano() - stamp)
	if age <= 0 {
		return now
	}
	return now.Add(-min(age, now.Sub(sent)))
}
