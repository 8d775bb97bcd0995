package runner

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// The read-back's parallelism.
const (
	minReadWorkers     = 4
	maxReadWorkers     = 512
	readbackPoll       = 20 * time.Millisecond // new acks taken from the sink, the pool resized
	drainTarget        = 2 * time.Second       // aim: read what waits within this
	initialReadLatency = 10 * time.Millisecond // until a read has been measured
)

// workersFor is the number of readers that keeps up: each does one read per
// read latency L (the recent mean), so reading w waiting writes within
// drainTarget while λ new ones arrive each second takes, by Little's law,
//
//	workers = ⌈1.25 · L · (w / drainTarget + λ)⌉, within [4, 512]
//
// (25 % headroom). Where more workers would only queue, poolLimit caps it.
// At L = 80 ms, 512 workers read 6,400 writes a second.
func workersFor(waiting int, rate float64, lat time.Duration) int {
	need := 1.25 * lat.Seconds() * (float64(waiting)/drainTarget.Seconds() + rate)
	return min(maxReadWorkers, max(minReadWorkers, int(math.Ceil(need))))
}

// windowMin is the smallest latency seen in the current and the previous
// window of a second.
type windowMin struct {
	cur, prev float64 // seconds; 0 for none
	rotated   time.Time
}

func (m *windowMin) add(v float64) {
	if m.cur == 0 || v < m.cur {
		m.cur = v
	}
}

// get rotates the windows when a second has passed and returns the minimum
// (initialReadLatency when no read has been measured).
func (m *windowMin) get(now time.Time) time.Duration {
	if now.Sub(m.rotated) >= time.Second {
		m.prev, m.cur, m.rotated = m.cur, 0, now
	}
	v := m.cur
	if v == 0 || (m.prev != 0 && m.prev < v) {
		v = m.prev
	}
	if v == 0 {
		return initialReadLatency
	}
	return time.Duration(v * float64(time.Second))
}

// ewma moves avg a fifth of the way to v (v itself when avg is unset).
func ewma(avg, v float64) float64 {
	if avg == 0 {
		return v
	}
	return avg + (v-avg)/5
}

// faultReader reads back one fault's candidates while the fault lasts.
type faultReader struct {
	rb                  *readbacker
	fault, region, from string
	injected, lookFrom  time.Time

	mu       sync.Mutex
	next     int                  // writes taken from the sink so far
	young    []results.AckedWrite // acknowledged less than the allowance ago, in arrival order
	ready    []results.AckedWrite // readable, the newest last: a stack
	retry    []results.AckedWrite // a read erred: tried again when ready is empty
	tries    map[string]int
	absent   []results.AckedWrite // the first read did not find them
	tail     []results.AckedWrite // the heal came before their first read could
	counts   readCounts
	healAt   time.Time // when the heal began; zero before
	stopped  bool
	workers  int       // running
	want     int       // workersFor at the last poll, within limitNow: idle workers above it stop
	limitNow int       // the pool limit at the last poll: workers above it stop
	lat      float64   // seconds, EWMA of the reads' latency
	fastest  windowMin // the after-heal read's latency estimate
	limit    poolLimit
	rate     float64 // the region's acks a second, EWMA
	polled   time.Time
	lastRead time.Time // the last first read's answer
	refresh  time.Time
	errNoted bool

	wake     chan struct{} // a token per write made ready, for idle workers
	stop     chan struct{} // closed at the heal or the end of ctx
	stopOnce sync.Once
	done     chan struct{} // closed once the poller and every worker are gone
	wg       sync.WaitGroup
}

// readCounts are a fault's read-back figures, for its note.
type readCounts struct {
	candidates, read, failed, peakWorkers int
	reread, late, lost                    int
}

func newFaultReader(rb *readbacker, fault, region string, injected time.Time) *faultReader {
	return &faultReader{
		rb: rb, fault: fault, region: region, from: rb.survivor(region),
		injected: injected, lookFrom: injected.Add(-rb.lookback),
		tries: map[string]int{}, limit: newPoolLimit(),
		wake: make(chan struct{}, maxReadWorkers),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// run polls the sink for new acks and sizes the pool until the heal or the
// end of ctx, then waits for the workers.
func (fr *faultReader) run(ctx context.Context) {
	defer close(fr.done)
	defer fr.rb.recover()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := time.NewTicker(readbackPoll)
	defer t.Stop()
	for {
		fr.poll(ctx, time.Now())
		select {
		case <-t.C:
			continue
		case <-ctx.Done():
			fr.halt()
		case <-fr.stop:
		}
		cancel() // reads in flight: the heal or the run's end overtook them
		fr.wg.Wait()
		return
	}
}

// poll takes the faulted region's new acks from the sink, moves those past
// their allowance onto the stack, sizes the pool and wakes idle workers.
func (fr *faultReader) poll(ctx context.Context, now time.Time) {
	if fr.rb.refresh != nil && now.Sub(fr.refresh) >= refreshEvery {
		fr.rb.refresh()
		fr.refresh = now
	}
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if fr.stopped {
		return
	}
	k := fr.take(now)
	fr.size(ctx, now)
	fr.counts.peakWorkers = max(fr.counts.peakWorkers, fr.workers)
	for range min(k+len(fr.retry), cap(fr.wake)) {
		select {
		case fr.wake <- struct{}{}:
		default:
		}
	}
}

// take moves the sink's new candidates to young, and those past their
// allowance from young onto the stack; it returns how many it stacked.
// fr.mu held.
func (fr *faultReader) take(now time.Time) int {
	news, n := fr.rb.sk.writesFrom(fr.next)
	fr.next = n
	added := 0
	for _, w := range news {
		if w.Region == fr.region && !w.Acked.Before(fr.lookFrom) {
			fr.young = append(fr.young, w)
			added++
		}
	}
	fr.counts.candidates += added
	if dt := now.Sub(fr.polled).Seconds(); !fr.polled.IsZero() && dt > 0 {
		fr.rate = ewma(fr.rate, float64(added)/dt) // not the first poll: that one takes the lookback's backlog
	}
	fr.polled = now
	k := 0
	for k < len(fr.young) && !fr.young[k].Acked.Add(fr.rb.allowance).After(now) {
		k++
	}
	fr.ready = append(fr.ready, fr.young[:k]...)
	fr.young = fr.young[k:]
	return k
}

// size sets the pool's size (workersFor within the pool limit; four until
// a read has been timed) and starts the workers it lacks. fr.mu held.
func (fr *faultReader) size(ctx context.Context, now time.Time) {
	fr.want = minReadWorkers
	if fr.counts.read > 0 {
		waiting := len(fr.ready) + len(fr.retry)
		fr.limitNow = fr.limit.observe(now, fr.workers, waiting > 0)
		fr.want = min(fr.limitNow, workersFor(waiting, fr.rate, time.Duration(fr.lat*float64(time.Second))))
	}
	for ; fr.workers < fr.want; fr.workers++ {
		fr.wg.Add(1)
		go fr.worker(ctx)
	}
}

func (fr *faultReader) worker(ctx context.Context) {
	defer fr.wg.Done()
	defer fr.rb.recover()
	for {
		w, ok, gone := fr.pop()
		switch {
		case gone:
			return
		case !ok:
			select {
			case <-fr.wake:
				continue
			case <-fr.stop:
				return
			}
		}
		if fr.rb.hook != nil {
			fr.rb.hook()
		}
		began := time.Now()
		found, err := fr.rb.read(ctx, w.ID, fr.from)
		fr.settle(w, found, err, began, time.Now())
	}
}

// pop takes the newest readable write, then the retries. With neither, a
// worker above the pool's size stops (gone is true): the pool shrinks only
// when idle, so that the last of a backlog is read as fast as its first.
func (fr *faultReader) pop() (w results.AckedWrite, ok, gone bool) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	switch {
	case fr.stopped:
		return w, false, true
	case fr.limitNow > 0 && fr.workers > fr.limitNow:
		fr.workers--
		return w, false, true
	case len(fr.ready) > 0:
		w = fr.ready[len(fr.ready)-1]
		fr.ready = fr.ready[:len(fr.ready)-1]
		return w, true, false
	case len(fr.retry) > 0:
		w = fr.retry[0]
		fr.retry = fr.retry[1:]
		return w, true, false
	case fr.workers > fr.want: // idle, and more than the last poll wanted
		fr.workers--
		return w, false, true
	}
	return w, false, false
}

// settle records one first read. An answer that came after the heal began
// is no first read (the heal may have brought the write back): the write
// joins the tail, which the after-heal read settles.
func (fr *faultReader) settle(w results.AckedWrite, found bool, err error, began, answered time.Time) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	switch {
	case !fr.healAt.IsZero() && !answered.Before(fr.healAt):
		fr.tail = append(fr.tail, w)
		return
	case err != nil && fr.stopped:
		return // cancelled with the run: unread
	case err != nil:
		fr.noteError(err)
		if fr.tries[w.ID]++; fr.tries[w.ID] < readbackTries {
			fr.retry = append(fr.retry, w)
		} else {
			fr.counts.failed++
		}
		return
	}
	fr.rb.rec.RecordReadback(results.Readback{ID: w.ID, Region: fr.from, Time: answered, Found: found,
		Phase: slo.PhaseAfterFault, Fault: fr.fault})
	fr.counts.read++
	fr.limit.read()
	fr.lastRead = answered
	if !found {
		fr.absent = append(fr.absent, w)
	}
	fr.lat = ewma(fr.lat, answered.Sub(began).Seconds())
	fr.fastest.add(answered.Sub(began).Seconds())
}

// noteError records the first failed read of the fault. fr.mu held.
func (fr *faultReader) noteError(err error) {
	if fr.errNoted {
		return
	}
	fr.errNoted = true
	fr.rb.rec.RecordEvent(results.Event{Time: time.Now(), Kind: results.EventNote, Fault: fr.fault,
		Detail: fmt.Sprintf("read-back of %s from %s: a read failed (it is tried again, up to %d times): %v", fr.fault, fr.from, readbackTries, err)})
}

// healing tells the reader the heal begins at t, and the reader stops; it
// does not wait. The writes no read could have settled before the heal join
// the tail: those not yet past their allowance, and those readable for less
// than a poll and a read's latency (a read of them would have been answered
// after it). The others left waiting are unread: the read-back fell behind.
func (fr *faultReader) healing(t time.Time) {
	fr.mu.Lock()
	if fr.healAt.IsZero() && !fr.stopped {
		fr.healAt = t
		fr.tail = append(fr.tail, fr.young...)
		fr.young = nil
		late := t.Add(-fr.rb.allowance - readbackPoll - time.Duration(fr.lat*float64(time.Second)))
		kept := fr.ready[:0]
		for _, w := range fr.ready {
			if w.Acked.After(late) {
				fr.tail = append(fr.tail, w)
			} else {
				kept = append(kept, w)
			}
		}
		fr.ready = kept
	}
	fr.mu.Unlock()
	fr.halt()
}

// halt stops the reader (the heal, the run's end or Ctrl-C) without waiting.
func (fr *faultReader) halt() {
	fr.mu.Lock()
	fr.stopped = true
	fr.mu.Unlock()
	fr.stopOnce.Do(func() { close(fr.stop) })
}
