package runner

import (
	"math"
	"time"
)

// The pool limit's parameters.
const (
	limitEpoch = 100 * time.Millisecond // an epoch lasts at least this …
	epochReads = 2                      // … and until each worker answered this many reads (16 at least)
	limitHold  = time.Second            // after a knee, how long the limit holds before probing again
	growth     = 2                      // the limit's growth a step
	minGain    = 1.3                    // a step's reads a second must grow by this to go on
)

// poolLimit caps the read-back's workers where more stop paying: more
// readers than the target (or this process, which also runs the load and
// the users' requests) can serve only queue, and slow everything. So the
// limit climbs the reads a second: while every worker is busy, each epoch
// (100 ms, and two reads a worker) may double it; when a doubling brought
// less than 30 % more reads a second, the limit goes back a step and holds
// for a second before it probes again. Against a target 80 ms away it
// doubles every 160 ms, 4 to 512 in about a second.
type poolLimit struct {
	limit   int
	began   time.Time // the current epoch's start; zero before the first
	reads   int       // answered in the current epoch
	workers int       // the pool at the epoch's start
	busy    bool      // waiting writes throughout the epoch
	lastW   int
	lastX   float64
	hold    time.Time
}

func newPoolLimit() poolLimit { return poolLimit{limit: minReadWorkers} }

// read counts one answered read.
func (l *poolLimit) read() { l.reads++ }

// observe returns the most workers allowed, given the workers running and
// whether writes wait.
func (l *poolLimit) observe(now time.Time, workers int, waiting bool) int {
	switch {
	case l.began.IsZero() || workers != l.workers:
		l.began, l.reads, l.workers, l.busy = now, 0, workers, waiting // a new epoch, with the pool as it is now
	case !waiting:
		l.busy = false
	}
	el := now.Sub(l.began)
	if el < limitEpoch || l.reads < max(16, epochReads*workers) {
		return l.limit
	}
	if l.busy && !now.Before(l.hold) {
		l.step(now, workers, float64(l.reads)/el.Seconds())
	}
	l.began, l.reads, l.busy = now, 0, waiting
	return l.limit
}

// step judges an epoch in which every worker was busy.
func (l *poolLimit) step(now time.Time, w int, x float64) {
	if l.lastW > 0 && w > l.lastW && x < l.lastX*minGain {
		l.limit, l.hold = l.lastW, now.Add(limitHold) // the knee: more workers, no more reads
		l.lastW, l.lastX = 0, 0
		return
	}
	if w >= l.limit {
		l.limit = min(maxReadWorkers, int(math.Ceil(float64(l.limit)*growth)))
	}
	l.lastW, l.lastX = w, x
}
