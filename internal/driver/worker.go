package driver

import (
	"fmt"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/results"
)

// worker runs journeys one after another. Everything it needs per request
// (the request, the response and its buffers, the outcome record, the
// journey's state) is its own and reused, so a request allocates next to
// nothing.
type worker struct {
	r     *runner
	req   fasthttp.Request
	resp  fasthttp.Response
	out   results.Outcome
	st    jstate
	buf   []byte // rendering scratch
	timer *time.Timer
	id    int

	tally
}

// spawn starts one more worker. Only the dispatcher calls it.
func (r *runner) spawn() {
	w := &worker{r: r, id: len(r.workers)}
	r.workers = append(r.workers, w)
	r.wg.Add(1)
	go w.loop()
}

// loop runs the journeys handed to w. A panic ends w and cancels the run
// (panic.go); the other workers drain the jobs left.
func (w *worker) loop() {
	defer w.r.wg.Done()
	defer func() {
		if w.timer != nil {
			w.timer.Stop()
		}
		w.r.recovered(recover(), fmt.Sprintf("worker %d", w.id))
	}()
	for {
		w.r.idle.Add(1)
		a, ok := <-w.r.jobs
		w.r.idle.Add(-1)
		if !ok {
			return
		}
		w.journey(a)
	}
}

// journey runs a's steps. Step 1 is intended at a's due time; step k at step
// k−1's end plus the think time (the user's next click); each is sent
// HoldSends after it is intended. An arrival that comes to a worker more
// than the timeout after its due time, or after the run was cancelled, is
// dropped whole.
func (w *worker) journey(a arrival) {
	r := w.r
	r.hook("worker", a.due)
	if r.late(a) {
		w.dropped += r.dropArrival(&w.out, a)
		return
	}
	st := &w.st
	r.begin(st, a)
	rg := r.regions[a.region]
	think, hold := r.journeys[a.journey].think, r.cfg.HoldSends
	for {
		if (st.step > 0 && think > 0 || hold > 0) && !w.sleepUntil(st.intended.Add(hold)) {
			return
		}
		if st.step > 0 && r.stopped.Load() {
			return
		}
		if !r.advance(st, w.step(rg)) {
			return
		}
	}
}

// sleepUntil waits for t; false when the run was cancelled meanwhile.
func (w *worker) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	if w.timer == nil {
		w.timer = time.NewTimer(d)
	} else {
		w.timer.Reset(d)
	}
	select {
	case <-w.timer.C:
		return true
	case <-w.r.stop:
		return false
	}
}

// step sends st's current request and reports its outcome; it returns the
// end time. The request's deadline is its intended start plus the step's
// timeout: a request that could not finish by then has failed by DESIGN.md
// §2 anyway.
func (w *worker) step(rg *region) time.Time {
	r, st := w.r, &w.st
	cs, s := r.current(st)
	if kind := w.build(rg, cs); kind != results.ErrNone {
		r.unsent(st, rg, cs, &w.out, kind)
		return w.out.End
	}
	out := &w.out
	*out = results.Outcome{ClientRegion: rg.name, Step: cs.Name, Intended: st.intended}
	out.Sent = time.Now()
	err := rg.clients[s].DoDeadline(&w.req, &w.resp, st.intended.Add(cs.timeout))
	out.End = time.Now()
	w.sent++
	w.lastSend = max(w.lastSend, out.Sent.Sub(r.start))
	r.answer(&w.tally, st, rg, cs, out, &w.resp, err)
	return out.End
}

// build renders cs's request for the worker's journey into w.req.
func (w *worker) build(rg *region, cs *cstep) results.ErrorKind {
	st, req := &w.st, &w.req
	req.Reset()
	req.Header.SetMethodBytes(cs.method)
	var kind results.ErrorKind
	if w.buf, kind = st.appendURI(w.buf[:0], rg, cs); kind != results.ErrNone {
		return kind
	}
	req.SetRequestURIBytes(w.buf)
	for i := range cs.headers {
		h := &cs.headers[i]
		if w.buf, kind = h.val.render(w.buf[:0], st, rg, escHeader); kind != results.ErrNone {
			return kind
		}
		req.Header.SetBytesKV(h.name, w.buf)
	}
	if st.sendsCookies() {
		w.buf = st.appendCookies(w.buf[:0])
		req.Header.SetBytesKV([]byte("Cookie"), w.buf)
	}
	if cs.hasBody {
		if w.buf, kind = cs.body.render(w.buf[:0], st, rg, escRaw); kind != results.ErrNone {
			return kind
		}
		if !cs.ctype {
			req.Header.SetContentType("application/json")
		}
		req.SetBody(w.buf)
	}
	return results.ErrNone
}

// productIndex draws the product of a journey's i-th step from the arrival's
// seed (splitmix64), so product choices are repeatable for a seed.
func productIndex(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
