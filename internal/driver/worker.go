package driver

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/internal/results"
)

// worker runs journeys one after another. Everything it needs per request
// (the request, the response and its buffers, the outcome record) is its own
// and reused, so a request allocates next to nothing.
type worker struct {
	r            *runner
	req          fasthttp.Request
	resp         fasthttp.Response
	out          results.Outcome
	lastServedBy string
	timer        *time.Timer
	id           int

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
// HoldSends after it is intended. An arrival that
// comes to a worker more than the timeout after its due time, or after the
// run was cancelled, is dropped whole.
func (w *worker) journey(a arrival) {
	r := w.r
	r.hook("worker", a.due)
	if r.stopped.Load() || time.Since(r.start)-a.due > r.cfg.Timeout {
		w.dropped += r.dropArrival(&w.out, a)
		return
	}
	j := &r.journeys[a.journey]
	rg := r.regions[a.region]
	intended := r.start.Add(a.due)
	hold := r.cfg.HoldSends
	for i, s := range j.steps {
		if (i > 0 && j.think > 0 || hold > 0) && !w.sleepUntil(intended.Add(hold)) {
			return
		}
		if i > 0 && r.stopped.Load() {
			return
		}
		end := w.step(rg, s, productIndex(a.rnd, i), intended)
		intended = end.Add(j.think)
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

// step sends one request and reports its outcome; it returns the end time.
// The request's deadline is its intended start plus the timeout: a request
// that could not finish by then has failed by DESIGN.md §2 anyway.
func (w *worker) step(rg *region, s int, prod uint64, intended time.Time) time.Time {
	r := w.r
	req, resp := &w.req, &w.resp
	req.Reset()
	switch s {
	case stepProduct:
		req.SetRequestURI(rg.products[prod%uint64(len(rg.products))])
	case stepCart, stepCheckout:
		req.SetRequestURI(rg.urls[s])
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(r.bodies[s])
	default:
		req.SetRequestURI(rg.urls[s])
	}
	out := &w.out
	*out = results.Outcome{ClientRegion: rg.name, Step: Steps[s], Intended: intended}
	out.Sent = time.Now()
	err := rg.client.DoDeadline(req, resp, intended.Add(r.cfg.Timeout))
	out.End = time.Now()
	if err == nil {
		out.Status = resp.StatusCode()
		out.ServedBy = w.servedBy(resp.Header.PeekBytes(r.servedBy))
	}
	out.Err = classify(err, out.Status)
	w.sent++
	w.lastSend = max(w.lastSend, out.Sent.Sub(r.start))
	if err == nil && s == stepCheckout && out.Status == fasthttp.StatusCreated {
		if r.recordAck(rg, resp.Body()) {
			w.acked++
		} else {
			w.badAcks++
		}
	}
	r.sink.Outcome(out)
	return out.End
}

// servedBy returns b as a string, reusing the previous one when equal (a
// region's answers nearly always name the same serving region).
func (w *worker) servedBy(b []byte) string {
	if string(b) != w.lastServedBy {
		w.lastServedBy = string(b)
	}
	return w.lastServedBy
}

// recordAck hands a checkout's acknowledgement (body b of a 201) to the
// sink; false when b is not one.
func (r *runner) recordAck(rg *region, b []byte) bool {
	var a struct {
		ID     string    `json:"id"`
		Region string    `json:"region"`
		Acked  time.Time `json:"acked"`
	}
	if err := json.Unmarshal(b, &a); err != nil || a.ID == "" {
		return false
	}
	r.sink.Write(results.AckedWrite{ID: a.ID, Region: a.Region, ClientRegion: rg.name, Acked: a.Acked})
	return true
}

// productIndex draws the product of a journey's i-th step from the arrival's
// seed (splitmix64), so product choices are repeatable for a seed.
func productIndex(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
