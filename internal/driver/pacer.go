package driver

import (
	"math"
	"time"
)

// pacer is the arrival schedule of an open model: arrival n (from 0) is due
// at the instant t where the expected number of arrivals since the start,
// H(t) = ∫₀ᵗ a(s) ds, reaches n. The arrival rate a(t) is piecewise linear
// (constant, or ramping stage by stage), so H is piecewise quadratic and the
// due time has a closed form: nothing drifts, however long the run, and a
// generator that falls behind does not move later arrivals.
type pacer struct {
	segs []segment
	n    uint64 // next arrival
	seg  int    // segment of the next arrival (due times only grow)
}

// segment is a stretch over which the arrival rate moves linearly from r0 to
// r1 (arrivals per second).
type segment struct {
	start  time.Duration
	length float64 // seconds
	r0, r1 float64
	n0     float64 // arrivals due before the segment
	n      float64 // arrivals due within it
}

// newPacer returns the schedule of arrivals for a request rate (and stages)
// over d; perArrival converts requests to arrivals (1 / mean steps per arrival).
func newPacer(rate float64, stages []Stage, d time.Duration, perArrival float64) *pacer {
	p := &pacer{}
	var at time.Duration
	from := rate
	add := func(length time.Duration, r0, r1 float64) {
		s := segment{start: at, length: length.Seconds(), r0: r0 * perArrival, r1: r1 * perArrival}
		if k := len(p.segs); k > 0 {
			s.n0 = p.segs[k-1].n0 + p.segs[k-1].n
		}
		s.n = (s.r0 + s.r1) / 2 * s.length
		p.segs = append(p.segs, s)
		at += length
	}
	if len(stages) == 0 {
		add(d, rate, rate)
		return p
	}
	for _, st := range stages {
		if d > 0 && at+st.Duration > d {
			// Cut the stage at d, at the rate it has reached there.
			frac := float64(d-at) / float64(st.Duration)
			add(d-at, from, from+(st.Rate-from)*frac)
			return p
		}
		add(st.Duration, from, st.Rate)
		from = st.Rate
	}
	if d > at {
		add(d-at, from, from)
	}
	return p
}

// next returns the offset from the start at which the next arrival is due,
// and false once the schedule is over.
func (p *pacer) next() (time.Duration, bool) {
	n := float64(p.n)
	for p.seg < len(p.segs) && n >= p.segs[p.seg].n0+p.segs[p.seg].n {
		p.seg++
	}
	if p.seg == len(p.segs) {
		return 0, false
	}
	p.n++
	s := &p.segs[p.seg]
	return s.start + time.Duration(s.offset(n-s.n0)*1e9), true
}

// offset solves r0·t + (r1−r0)·t²/(2L) = m for t in seconds. Written as
// 2m / (r0 + √(r0² + 2m(r1−r0)/L)), the root is stable for ramps up and down
// and for a ramp that starts from zero.
func (s *segment) offset(m float64) float64 {
	if m <= 0 {
		return 0
	}
	if s.r1 == s.r0 {
		return m / s.r0
	}
	disc := s.r0*s.r0 + 2*m*(s.r1-s.r0)/s.length
	return 2 * m / (s.r0 + math.Sqrt(math.Max(disc, 0)))
}

// total is the expected number of arrivals over the whole schedule.
func (p *pacer) total() float64 {
	if len(p.segs) == 0 {
		return 0
	}
	last := p.segs[len(p.segs)-1]
	return last.n0 + last.n
}

// length is the schedule's length.
func (p *pacer) length() time.Duration {
	if len(p.segs) == 0 {
		return 0
	}
	last := p.segs[len(p.segs)-1]
	return last.start + time.Duration(last.length*1e9)
}

// skipTo moves the schedule on to the first arrival due at or after cut
// (never back), in closed form, and returns its index: the arrivals before
// it are skipped without being generated one by one.
func (p *pacer) skipTo(cut time.Duration) uint64 {
	h := p.total()
	for _, s := range p.segs {
		if end := s.start + time.Duration(s.length*1e9); cut < end {
			tau := max(cut-s.start, 0).Seconds()
			h = s.n0 + s.r0*tau + (s.r1-s.r0)*tau*tau/(2*s.length)
			break
		}
	}
	if n := uint64(math.Ceil(h)); n > p.n {
		p.n = n
	}
	return p.n
}
