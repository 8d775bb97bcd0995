package platform

import (
	"context"
	"sync/atomic"
	"time"
)

// timerGauge measures how much later than asked the platform's simulated
// delays (service times, slow faults, WAN delays) fired: in the same process
// as the generator, a starved machine makes them late, and that lateness
// reaches every latency measured. It keeps the largest overshoot since the
// last read. A nil gauge measures nothing (a shop served alone).
type timerGauge struct {
	max atomic.Int64                              // nanoseconds
	now func() time.Time                          // tests; nil means time.Now
	nap func(context.Context, time.Duration) bool // tests; nil means sleepCtx
}

// sleep sleeps d or until ctx is done, as sleepCtx does, and notes how late
// a full sleep ended.
func (g *timerGauge) sleep(ctx context.Context, d time.Duration) bool {
	if g == nil || d <= 0 {
		return sleepCtx(ctx, d)
	}
	now, nap := time.Now, sleepCtx
	if g.now != nil {
		now, nap = g.now, g.nap
	}
	t0 := now()
	if !nap(ctx, d) {
		return false
	}
	g.note(now().Sub(t0) - d)
	return true
}

// note raises the maximum to over.
func (g *timerGauge) note(over time.Duration) {
	for {
		cur := g.max.Load()
		if int64(over) <= cur || g.max.CompareAndSwap(cur, int64(over)) {
			return
		}
	}
}

// read returns the maximum since the last read and starts over.
func (g *timerGauge) read() time.Duration { return time.Duration(g.max.Swap(0)) }

// TimerOvershoot returns how much later than asked the latest of the
// platform's service-time, slow-fault and WAN-delay waits fired since the
// last call (0 when none ended since), and starts over. The generator's
// health records carry it: a late timer here is the machine's lateness, not
// the platform's.
func (p *Platform) TimerOvershoot() time.Duration { return p.timers.read() }
