//go:build linux

package driver

import (
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/slocheck/slocheck/results"
)

// TestEvParkTickOnly: a tick-only wait is not ended by the loop's events
// (here its eventfd): it ends at its timer and returns them with it; the
// next ordinary wait is ended by an event at once again.
func TestEvParkTickOnly(t *testing.T) {
	_, ev, events, p := newTestPark(t)
	go func() {
		time.Sleep(2 * time.Millisecond)
		one := [8]byte{1}
		_, _ = unix.Write(ev, one[:])
	}()
	start := time.Now()
	n, err := p.wait(1, 30*time.Millisecond, true)
	took := time.Since(start)
	if err != nil || took < 30*time.Millisecond {
		t.Fatalf("tick-only wait: n=%d err=%v after %v; want the timer's 30ms", n, err, took)
	}
	got := map[int32]bool{}
	for _, e := range events[:n] {
		got[e.Fd] = true
	}
	if !got[int32(ev)] {
		t.Fatalf("tick-only wait returned %v; want the eventfd's event with the timer", events[:n])
	}
	var b [8]byte
	_, _ = unix.Read(ev, b[:])
	p.fired()

	// Unmuted again: the event ends a long wait long before its timer
	// (the test's own deadline bounds it).
	go func() {
		time.Sleep(2 * time.Millisecond)
		one := [8]byte{1}
		_, _ = unix.Write(ev, one[:])
	}()
	start = time.Now()
	if n, err := p.wait(2, 20*time.Second, false); err != nil || n != 1 || events[0].Fd != int32(ev) {
		t.Fatalf("ordinary wait: n=%d err=%v after %v; want the eventfd", n, err, time.Since(start))
	}
}

// TestEvParkTickOnlyExpired: a tick-only wait whose timer expires before
// the goroutine parks (the poller forgets that edge) ends at once.
func TestEvParkTickOnlyExpired(t *testing.T) {
	_, _, _, p := newTestPark(t)
	done := make(chan error, 1)
	go func() {
		for i := range 1000 {
			if _, err := p.wait(time.Duration(i+1), time.Nanosecond, true); err != nil {
				done <- err
				return
			}
			p.fired()
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a tick-only wait whose timer had expired did not end")
	}
}

// newTestPark is an epoll instance with an eventfd in it and its park.
func newTestPark(t *testing.T) (ep, ev int, events []unix.EpollEvent, p *evPark) {
	t.Helper()
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(ep) })
	ev, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(ev) })
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, ev, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(ev)}); err != nil {
		t.Fatal(err)
	}
	events = make([]unix.EpollEvent, 8)
	p, err = newEvPark(ep, events)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	return ep, ev, events, p
}

// TestRecvStampIsArrival: the stamp a read returns is when the bytes
// reached the socket, not when they were read. The peer's write is
// bracketed by the instants before it and the first one the bytes are seen
// readable (a peek); the read comes 30 ms later. The stamp, on the
// monotonic clock (arrivedAt), lies inside the bracket.
func TestRecvStampIsArrival(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	stampSocket(fd)
	addr := ln.Addr().(*net.TCPAddr)
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: addr.Port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	var rx evRecv
	buf := make([]byte, 64)
	// The kernel turns stamping on for the whole host a moment after the
	// first socket asks (a deferred work item): until a stamp comes, an
	// answer ends at its read, as before.
	for start := time.Now(); ; {
		if _, err := peer.Write([]byte("warm-up")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
		if _, stamp, _ := rx.read(fd, buf); stamp != 0 {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("no receive stamp in 10 s")
		}
	}
	for i := range 3 {
		before := time.Now()
		if _, err := peer.Write([]byte("answer " + strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
		var seen time.Time
		for peek := make([]byte, 1); ; {
			if n, _, err := unix.Recvfrom(fd, peek, unix.MSG_PEEK|unix.MSG_DONTWAIT); err == nil && n > 0 {
				seen = time.Now()
				break
			}
			if time.Since(before) > 10*time.Second {
				t.Fatal("the bytes never came")
			}
		}
		time.Sleep(30 * time.Millisecond)
		sent := before.Add(-time.Second) // the request's send, for arrivedAt's bound
		n, stamp, err := rx.read(fd, buf)
		read := time.Now()
		if err != nil || n == 0 || stamp == 0 {
			t.Fatalf("read: n=%d stamp=%d err=%v; want bytes and a stamp", n, stamp, err)
		}
		end := arrivedAt(read, sent, stamp)
		if end.Before(before) || end.After(seen) {
			t.Fatalf("answer %d ended %v after the write began; want within [0, %v] (seen readable then), read %v after",
				i, end.Sub(before), seen.Sub(before), read.Sub(before))
		}
	}
}

// TestArrivedAtBounds: no stamp, or one later than now (a wall clock
// stepped back), ends at now; one before the send (stepped forward) ends at
// the send.
func TestArrivedAtBounds(t *testing.T) {
	now := time.Now()
	sent := now.Add(-5 * time.Millisecond)
	cases := []struct {
		stamp int64
		want  time.Time
	}{
		{0, now},
		{now.UnixNano() + int64(time.Second), now},
		{now.UnixNano() - int64(2*time.Millisecond), now.Add(-2 * time.Millisecond)},
		{now.UnixNano() - int64(time.Minute), sent},
	}
	for _, c := range cases {
		if got := arrivedAt(now, sent, c.stamp); !got.Equal(c.want) || got.Sub(now) != c.want.Sub(now) {
			t.Errorf("arrivedAt(now, now-5ms, %d) = now%+v; want now%+v", c.stamp, got.Sub(now), c.want.Sub(now))
		}
	}
}

// TestAnswerEndsAtArrival: an answer's end is when it reached the
// generator, on every transport, against the server's own log of when it
// wrote each answer (before and after its write, which delivers the bytes
// on loopback): never before the write began. The event loops here wake
// on a 20 ms grid, with two arrivals per tick, so they read each answer
// nearly a tick after it came; their end is still the kernel's stamp: at
// the latest when the server's write returned for nine answers in ten
// (the kernel may defer a delivery to its softirq thread on a busy
// machine), and within a quarter tick of it, where an end taken at the read
// would be about a tick after it.
func TestAnswerEndsAtArrival(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		type wrote struct{ before, after time.Time }
		var (
			mu  sync.Mutex
			log = map[string]wrote{}
			seq int
		)
		srv := server(t, func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			seq++
			id := strconv.Itoa(seq)
			mu.Unlock()
			w.Header().Set("X-Served-By", id)
			w.Header().Set("Content-Length", "2")
			_, _ = w.Write([]byte("ok"))
			before := time.Now()
			w.(http.Flusher).Flush() // the whole answer, in one write
			after := time.Now()
			mu.Lock()
			log[id] = wrote{before, after}
			mu.Unlock()
		})
		const tick = 20 * time.Millisecond
		var sink memSink
		run(t, Config{Targets: map[string]string{"us": srv.URL}, Rate: 100, Duration: time.Second,
			Journeys: single(StepBrowse), tick: tick}, &sink)
		outs := sink.sorted()
		if c := countErr(outs); c[results.ErrNone] != 100 {
			t.Fatalf("outcomes %v; want 100 answered", c)
		}
		srv.Close() // the handlers log after their answer is out: wait for them
		mu.Lock()
		defer mu.Unlock()
		var gaps []time.Duration // end − the write's return
		within := 0
		for _, o := range outs {
			w, ok := log[o.ServedBy]
			if !ok {
				t.Fatalf("answer %q not in the server's log", o.ServedBy)
			}
			if o.End.Before(w.before) {
				t.Fatalf("answer %s ended %v before the server began writing it", o.ServedBy, w.before.Sub(o.End))
			}
			gaps = append(gaps, o.End.Sub(w.after))
			if !o.End.After(w.after) {
				within++
			}
		}
		slices.Sort(gaps)
		t.Logf("end − server's write returned: median %v, p90 %v, max %v; %d of 100 at the latest then",
			gaps[50], gaps[90], gaps[99], within)
		if useWorkers {
			return // the workers end an answer when fasthttp's read returns
		}
		if within < 90 || gaps[89] > tick/4 {
			t.Fatalf("%d of 100 answers ended by the server's write's return, p90 %v after it; want 90 and under %v",
				within, gaps[89], tick/4)
		}
	})
}
