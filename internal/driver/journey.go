package driver

import (
	"bytes"
	"time"

	"github.com/tidwall/gjson"
	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/results"
)

// The journey's state machine, one for both transports (worker.go and
// evloop_linux.go): which step comes next and when, the late-arrival drop
// rule, rendering a step's request, and what an answer means (success
// statuses, served-by, extracted values, cookies, acknowledged writes). The
// transports only move bytes.

// jstate is one journey in progress: like one shopper, with the values its
// earlier answers gave and its own cookie jar.
type jstate struct {
	a        arrival
	step     int       // position in the journey's steps
	intended time.Time // of the current step
	row      []string  // the journey's data row
	vals     []string  // by variable slot
	set      []bool    // vals[i] has been extracted
	jar      []cookie
	noSend   bool // the jar is kept (for extraction) but not sent: Config.NoCookies

	fixProduct int // when > 0, the product every step draws (to serialise a request once per product)
}

type cookie struct{ name, value []byte }

// late reports whether arrival a, taken up now, comes too late to start
// (more than the timeout after its due time) or after the cancel: it is
// then dropped whole.
func (r *runner) late(a arrival) bool {
	return r.stopped.Load() || time.Since(r.start)-a.due > r.cfg.Timeout
}

// begin resets st for arrival a: its first step is intended at a's due time.
func (r *runner) begin(st *jstate, a arrival) {
	st.a, st.step, st.intended = a, 0, r.start.Add(a.due)
	st.row = nil
	if d := r.cfg.Data; d != nil && len(d.Rows) > 0 {
		i := a.n
		if d.Random {
			i = mix64(r.seed ^ mix64(a.n) ^ 0xda7a)
		}
		st.row = d.Rows[i%uint64(len(d.Rows))]
	}
	if r.nvars > 0 {
		if st.vals == nil {
			st.vals, st.set = make([]string, r.nvars), make([]bool, r.nvars)
		}
		clear(st.vals)
		clear(st.set)
	}
	st.jar, st.noSend = st.jar[:0], r.cfg.NoCookies
}

// sendsCookies reports whether st's requests carry a Cookie header.
func (st *jstate) sendsCookies() bool { return len(st.jar) > 0 && !st.noSend }

// current returns the step st is at.
func (r *runner) current(st *jstate) (*cstep, int) {
	s := r.journeys[st.a.journey].steps[st.step]
	return &r.steps[s], s
}

// advance moves st to its next step after the current one ended at end;
// false when the journey is over (its last step, or the run was cancelled).
// The next step is intended at end plus the think time.
func (r *runner) advance(st *jstate, end time.Time) bool {
	j := &r.journeys[st.a.journey]
	st.step++
	if st.step >= len(j.steps) || r.stopped.Load() {
		return false
	}
	st.intended = end.Add(j.think)
	return true
}

// product is the product id (1-based) of st's current step, drawn from the
// arrival's seed and the step's position, so it is repeatable for a seed.
func (st *jstate) product(rg *region) int {
	if st.fixProduct > 0 {
		return st.fixProduct
	}
	return int(productIndex(st.a.rnd, st.step)%uint64(rg.products)) + 1
}

// appendURI appends the full URI of cs (scheme, host, path) for rg.
func (st *jstate) appendURI(dst []byte, rg *region, cs *cstep) ([]byte, results.ErrorKind) {
	if cs.origin != "" {
		dst = append(dst, cs.origin...)
	} else {
		dst = append(dst, rg.base...)
	}
	return cs.path.render(dst, st, rg, escURL)
}

// appendCookies appends the jar as a Cookie header's value.
func (st *jstate) appendCookies(dst []byte) []byte {
	for i, c := range st.jar {
		if i > 0 {
			dst = append(dst, "; "...)
		}
		dst = append(dst, c.name...)
		dst = append(dst, '=')
		dst = append(dst, c.value...)
	}
	return dst
}

// answer completes out (whose Intended, Sent and End are set) for cs's
// request: err is a transport error, else resp answered. It keeps the
// answer's cookies and values, records an acknowledged write, counts into
// t and reports out to the sink.
func (r *runner) answer(t *tally, st *jstate, rg *region, cs *cstep, out *results.Outcome, resp *fasthttp.Response, err error) {
	if err != nil {
		out.Err = classifyErr(err)
		r.sink.Outcome(out)
		return
	}
	out.Status = resp.StatusCode()
	out.ServedBy = t.servedBy(resp.Header.PeekBytes(r.servedBy))
	out.Err = classifyStatus(cs, out.Status)
	st.keepCookies(resp)
	if out.Err == results.ErrNone && !st.extract(cs, resp) {
		out.Err = results.ErrExtract
	}
	if w := cs.write; w != nil && out.Err == results.ErrNone && (len(w.statuses) == 0 || contains(w.statuses, out.Status)) {
		if r.recordAck(st, rg, w, resp, out) {
			t.acked++
		} else {
			t.badAcks++
		}
	}
	r.sink.Outcome(out)
}

// classifyStatus maps an answer's status to its error kind for cs: its
// success statuses are a success; else 5xx and 429 are Err5xx, 4xx Err4xx,
// any other status (a 200 where only a 201 counts) ErrStatus.
func classifyStatus(cs *cstep, status int) results.ErrorKind {
	switch {
	case cs.successful(status):
		return results.ErrNone
	case status >= 500 || status == fasthttp.StatusTooManyRequests:
		return results.Err5xx
	case status >= 400:
		return results.Err4xx
	}
	return results.ErrStatus
}

// unsent reports cs's request as never sent because it could not be
// rendered (kind ErrTemplate or ErrMissing).
func (r *runner) unsent(st *jstate, rg *region, cs *cstep, out *results.Outcome, kind results.ErrorKind) {
	now := time.Now()
	*out = results.Outcome{ClientRegion: rg.name, Step: cs.Name, Intended: st.intended, Sent: now, End: now, Err: kind}
	r.sink.Outcome(out)
}

// keepCookies puts the answer's Set-Cookie cookies into the jar (one
// shopper at one shop: domains and paths are not matched); an expired one
// leaves it. With Config.NoCookies the jar is only read by {cookie: …}
// extractions, never sent.
func (st *jstate) keepCookies(resp *fasthttp.Response) {
	resp.Header.VisitAllCookie(func(_, value []byte) {
		c := fasthttp.AcquireCookie()
		defer fasthttp.ReleaseCookie(c)
		if c.ParseBytes(value) != nil || len(c.Key()) == 0 {
			return
		}
		gone := len(c.Value()) == 0 || expired(c, value)
		for i := range st.jar {
			if bytes.Equal(st.jar[i].name, c.Key()) {
				if gone {
					st.jar = append(st.jar[:i], st.jar[i+1:]...)
				} else {
					st.jar[i].value = append(st.jar[i].value[:0], c.Value()...)
				}
				return
			}
		}
		if !gone {
			st.jar = append(st.jar, cookie{name: append([]byte(nil), c.Key()...), value: append([]byte(nil), c.Value()...)})
		}
	})
}

// expired reports whether a Set-Cookie header (raw, parsed into c) ends
// its cookie: an Expires in the past or a Max-Age of zero or less (which
// fasthttp's Cookie reads as no Max-Age).
func expired(c *fasthttp.Cookie, raw []byte) bool {
	if !c.Expire().Equal(fasthttp.CookieExpireUnlimited) && c.Expire().Before(time.Now()) {
		return true
	}
	lower := bytes.ToLower(raw)
	i := bytes.Index(lower, []byte("max-age="))
	return i >= 0 && i+8 < len(lower) && (lower[i+8] == '0' || lower[i+8] == '-')
}

// extract takes cs's values from resp into st; false when one is missing.
func (st *jstate) extract(cs *cstep, resp *fasthttp.Response) bool {
	ok := true
	for _, e := range cs.extracts {
		v, found := st.lookup(e.from, resp)
		if !found {
			ok = false
			continue
		}
		st.vals[e.slot], st.set[e.slot] = v, true
	}
	return ok
}

// lookup returns the value e names in resp (or the jar).
func (st *jstate) lookup(e Extract, resp *fasthttp.Response) (string, bool) {
	switch {
	case e.JSON != "":
		res := gjson.GetBytes(resp.Body(), e.JSON)
		return res.String(), res.Exists()
	case e.Header != "":
		v := resp.Header.Peek(e.Header)
		return string(v), len(v) > 0
	case e.Cookie != "":
		for _, c := range st.jar {
			if string(c.name) == e.Cookie {
				return string(c.value), true
			}
		}
	}
	return "", false
}

// recordAck hands an acknowledged write to the sink; false when the answer
// lacks its id (or its acked time is not one).
func (r *runner) recordAck(st *jstate, rg *region, w *cwrite, resp *fasthttp.Response, out *results.Outcome) bool {
	id, ok := st.lookup(w.id, resp)
	if !ok || id == "" {
		return false
	}
	region := out.ServedBy
	if !w.region.IsZero() {
		region, _ = st.lookup(w.region, resp)
	}
	acked := out.End
	if !w.acked.IsZero() {
		s, _ := st.lookup(w.acked, resp)
		var err error
		if acked, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return false
		}
	}
	r.sink.Write(results.AckedWrite{ID: id, Region: region, ClientRegion: rg.name, Acked: acked})
	return true
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
