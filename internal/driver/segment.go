package driver

import (
	"fmt"
	"time"
)

// A generator of a run shared by several sends a share of the arrivals
// (Config.Segments): arrival n is its when n's client region is one it
// holds and n's position, a number in [0, 1) drawn like n's other draws
// from the seed and n alone, falls in that region's segment. Every process
// of the run paces the same schedule and draws the same region and position
// for n, so segments that partition [0, 1) partition the arrivals exactly:
// each is sent by one process, with the journey and products one process
// sending everything would have drawn for it.

// segShare is the share a run holds of one client region's arrivals.
type segShare struct {
	in       bool
	from, to float64
}

// initSegments reads Config.Segments into r.segs (nil: every arrival).
func (r *runner) initSegments() {
	if r.cfg.Segments == nil {
		return
	}
	r.segs = make([]segShare, len(r.regions))
	r.keptTotal = 0
	for i, rg := range r.regions {
		if seg, ok := r.cfg.Segments[rg.name]; ok {
			from, to := seg.Bounds()
			r.segs[i] = segShare{in: true, from: from, to: to}
			r.keptTotal += r.pickReg.share(i) * (to - from)
		}
	}
}

// mine reports whether arrival n is this run's to send.
func (r *runner) mine(n uint64) bool {
	if r.segs == nil {
		return true
	}
	base := mix64(r.seed ^ mix64(n))
	s := r.segs[r.pickReg.pick(unitFloat(mix64(base+1)))]
	u := unitFloat(mix64(base + 4))
	return s.in && u >= s.from && u < s.to
}

// regionShare is region rg's expected share of this run's arrivals.
func (r *runner) regionShare(rg int) float64 {
	if r.segs == nil {
		return r.pickReg.share(rg)
	}
	if !r.segs[rg].in || r.keptTotal == 0 {
		return 0
	}
	return r.pickReg.share(rg) * (r.segs[rg].to - r.segs[rg].from) / r.keptTotal
}

// keptOf is how many of k consecutive arrivals are expected to be this
// run's (bulk drops account for the skipped ones by expectation, not one
// by one).
func (r *runner) keptOf(k uint64) uint64 {
	if r.segs == nil {
		return k
	}
	return uint64(float64(k)*r.keptTotal + 0.5)
}

// startTime is when the schedule counts from: Config.Start, or now.
func (c Config) startTime() time.Time {
	if c.Start.IsZero() {
		return time.Now()
	}
	return c.Start
}

// validateSegments checks that every segment's client region has a target.
func validateSegments(c Config) []error {
	var errs []error
	for _, name := range sortedKeys(c.Segments) {
		if _, ok := c.Targets[name]; !ok {
			errs = append(errs, fmt.Errorf("segment of client region %q: no target has that name (targets: %v)", name, sortedKeys(c.Targets)))
		}
	}
	return errs
}
