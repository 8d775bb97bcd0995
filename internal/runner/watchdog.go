package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/internal/exitcode"
)

// A run's life is bounded (the watchdog). Its traffic ends by
//
//	start + driver.Config.MaxRunTime + watchdogSlack
//
// MaxRunTime is the schedule's length plus the longest journey (steps ×
// timeout + (steps − 1) × think time): the last arrival is due at the end
// of the schedule and each of its steps ends within the timeout of its
// intended start (faults end by the duration: the scenario says so). If the traffic runs on past that, the watchdog stops it
// as a panic would; if the driver then does not return within the timeout
// plus stopGrace (a stall), it is left behind. Then comes the drain, bounded
// by its own clocks: the heal (chaos.HealPolicy, 2 min by default), the
// read-back (healSettle then readbackBudget per fault and phase) and the
// reports. Either way the run ends with exit 3 and what it gathered.
const (
	watchdogSlack = 10 * time.Second // a busy machine's scheduling, the driver's teardown
	stopGrace     = 2 * time.Second  // after a cancel, beyond the timeout, for the driver to return
)

// traffic is a run's traffic phase: the driver and the fault schedule side
// by side, under the guard and the watchdog.
type traffic struct {
	ctx      context.Context // cancelled to stop the traffic
	stop     context.CancelFunc
	g        *guard
	deadline time.Time     // the watchdog's
	bound    string        // how the deadline was reckoned, for its message
	grace    time.Duration // after a stop, for the driver to return
	// load sends the traffic: driver.Run, or for a conductor nothing (Role.load).
	load func(context.Context, driver.Config, driver.Sink) (driver.Stats, error)
}

type driven struct {
	stats driver.Stats
	err   error
}

// await waits for the driver and the fault schedule to end. It returns the
// driver's outcome (zero when it was left behind) and the schedule's error.
// A stop (a cancel, a failed injection, a panic, the watchdog) waits only
// for the driver, at most grace: the heals are the run's finish (HealAll),
// which waits for those under way.
func (t *traffic) await(driverDone <-chan driven, chaosDone <-chan error) (d driven, chaosErr error) {
	timer := time.NewTimer(time.Until(t.deadline))
	defer timer.Stop()
	stopped := t.ctx.Done()
	gotDriver, gotChaos := false, false
	for !gotDriver || !gotChaos {
		select {
		case d = <-driverDone:
			gotDriver = true
			t.driverPanic(d.err)
			if d.err != nil {
				t.stop() // no traffic without the driver: the faults heal now
			}
			if t.ctx.Err() != nil {
				return d, chaosErr
			}
		case chaosErr = <-chaosDone:
			gotChaos = true
			if chaosErr != nil {
				t.stop() // a fault that failed to inject stops the traffic
			}
		case <-stopped:
			stopped = nil
			if gotDriver {
				return d, chaosErr
			}
			timer.Reset(t.grace)
		case <-timer.C:
			if t.ctx.Err() == nil {
				t.g.fail(exitcode.New(exitcode.Rig, fmt.Errorf("watchdog: the run outlived its traffic's bound (%s) and was stopped", t.bound),
					"a run never outlives its duration plus its longest journey; faults were healed and the results so far kept"))
				continue // stopped fires next and gives the driver its grace
			}
			t.g.fail(exitcode.New(exitcode.Rig, fmt.Errorf("watchdog: the driver did not stop within %s of the cancel and was left behind", t.grace), ""))
			return driven{}, chaosErr
		}
	}
	return d, chaosErr
}

// driverPanic hands a panic the driver recovered to the guard.
func (t *traffic) driverPanic(err error) {
	var pe *driver.PanicError
	if errors.As(err, &pe) {
		t.g.panicked("the driver's "+pe.Where, pe.Value, pe.Stack)
	}
}

// drive runs the driver and the fault schedule side by side, until both end,
// the traffic is stopped or the watchdog fires. A fault that fails to inject
// stops the traffic: the run cannot say what it set out to.
func drive(ctx context.Context, t *traffic, cfg driver.Config, sk *sink, cr *chaos.Runner, start time.Time) (driver.Stats, error) {
	chaosDone := make(chan error, 1)
	go func() {
		err := errors.New("the fault schedule panicked")
		defer func() { chaosDone <- err }()
		defer t.g.recover("the fault schedule")
		err = cr.Run(t.ctx, start)
	}()
	driverDone := make(chan driven, 1)
	go func() {
		d := driven{err: errors.New("the driver panicked")}
		defer func() { driverDone <- d }()
		defer t.g.recover("the driver")
		d.stats, d.err = t.load(t.ctx, cfg, sk)
	}()
	d, chaosErr := t.await(driverDone, chaosDone)
	switch {
	case t.g.Err() != nil:
		return d.stats, t.g.Err()
	case chaosErr != nil:
		return d.stats, chaosErr
	case d.err != nil && ctx.Err() == nil:
		return d.stats, exitcode.New(exitcode.Rig, fmt.Errorf("driver: %w", d.err), "")
	}
	return d.stats, nil
}

// newTraffic sets up the traffic phase of a run of cfg from start: its
// context (a child of ctx), its guard and the watchdog's deadline.
func newTraffic(ctx context.Context, cfg driver.Config, start time.Time, o Options) *traffic {
	tctx, stop := context.WithCancel(ctx)
	slack := o.slack
	if slack <= 0 {
		slack = watchdogSlack
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = driver.DefaultTimeout
	}
	bound := cfg.MaxRunTime()
	return &traffic{
		ctx: tctx, stop: stop, g: newGuard(stop, o.Log),
		deadline: start.Add(bound + slack),
		bound:    fmt.Sprintf("%s: the schedule and its longest journey, %s, and %s of slack", bound+slack, bound, slack),
		grace:    timeout + stopGrace,
		load:     driver.Run,
	}
}
