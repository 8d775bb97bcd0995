package chaos

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/slocheck/slocheck/results"
)

// inject records f in the state file, then injects it. Whatever happens, f
// ends active (a failed inject may have half-worked, so it is healed too).
// The state file and the event are written before f turns active, so a heal
// from HealAll always follows them.
func (r *Runner) inject(ctx context.Context, f *fault) error {
	defer close(f.injected)
	spec := f.entry.Spec
	err := r.state.update(spec.Name, func(se *StateEntry) {
		*se = StateEntry{Spec: spec, Status: StatusInjecting, PID: pid}
	})
	if err != nil {
		r.emit(f, results.EventInjectFailed, time.Now(), "not injected: "+err.Error())
		r.setPhase(f, phaseSkipped, func(rec *Record) { rec.InjectErr = err })
		return fmt.Errorf("fault %q: %w: %w", spec.Name, ErrInjectFailed, err)
	}
	flt, err := safeInject(ctx, f.inj)
	if err != nil {
		serr := r.state.update(spec.Name, func(se *StateEntry) { se.Status, se.Error = StatusInjectFailed, err.Error() })
		r.emit(f, results.EventInjectFailed, time.Now(), err.Error())
		r.setPhase(f, phaseActive, func(rec *Record) { rec.InjectErr = err })
		return errors.Join(fmt.Errorf("fault %q: %w: %w", spec.Name, ErrInjectFailed, err), serr)
	}
	if flt.Injected.IsZero() {
		flt.Injected = time.Now()
	}
	serr := r.state.update(spec.Name, func(se *StateEntry) { se.Status, se.Injected = StatusActive, flt.Injected.UTC() })
	r.emit(f, results.EventFaultInjected, flt.Injected, injectedDetail(flt))
	r.setPhase(f, phaseActive, func(rec *Record) { rec.Injected = flt.Injected })
	return serr
}

func injectedDetail(f Fault) string {
	detail := "undo: " + f.Undo
	if !f.Issued.IsZero() {
		detail = fmt.Sprintf("injection took %s; %s", f.Injected.Sub(f.Issued).Round(time.Microsecond), detail)
	}
	return detail
}

func (r *Runner) setPhase(f *fault, p phase, change func(*Record)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f.phase = p
	change(&f.rec)
}

// waitHeal waits until f is due to be healed and says why it is.
func (r *Runner) waitHeal(ctx context.Context, start, began time.Time, f *fault) string {
	deadline, reason := f.entry.healDeadline(start, began)
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var tick <-chan time.Time
	if f.entry.Stop != nil {
		t := time.NewTicker(f.entry.Stop.check())
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-timer.C:
			return reason
		case <-ctx.Done():
			return "cancelled"
		case <-r.stop:
			return "run-stopped"
		case now := <-tick:
			if r.stopFired(f, began, now) {
				return "stop-condition"
			}
		}
	}
}

// stopFired checks f's stop conditions and records an event when one fires.
func (r *Runner) stopFired(f *fault, began, now time.Time) bool {
	c := f.entry.Stop
	if c.BudgetShare > 0 {
		if share := r.opts.BudgetShare(began); share > c.BudgetShare {
			r.emit(f, results.EventStopCondition, time.Now(),
				fmt.Sprintf("error budget share %.4f spent, above %.4f", share, c.BudgetShare))
			return true
		}
	}
	if c.For == 0 || now.Sub(began) < c.For {
		return false // the window would reach back before the fault
	}
	ratio := r.opts.FailureRatio(c.For)
	if math.IsNaN(ratio) || ratio <= c.FailureRatio {
		return false
	}
	r.emit(f, results.EventStopCondition, time.Now(),
		fmt.Sprintf("failure ratio %.4f above %.4f over the last %s", ratio, c.FailureRatio, c.For))
	return true
}

// healFault heals f with retries from a fresh context, unless another caller
// already is (then it waits for that heal). It returns the heal's error.
func (r *Runner) healFault(ctx context.Context, f *fault, reason string) error {
	r.mu.Lock()
	switch f.phase {
	case phasePending, phaseSkipped:
		r.mu.Unlock()
		return nil
	case phaseHealing, phaseDone:
		r.mu.Unlock()
		return r.awaitHeal(ctx, f)
	}
	f.phase = phaseHealing
	r.mu.Unlock()

	hctx, cancel := r.opts.Heal.HealContext(ctx)
	defer cancel()
	err := Heal(hctx, f.inj, r.opts.Heal)
	now := time.Now()
	if err != nil {
		err = fmt.Errorf("fault %q: %w", f.entry.Spec.Name, err)
	}
	r.setPhase(f, phaseDone, func(rec *Record) {
		rec.HealReason, rec.HealErr = reason, err
		if err == nil {
			rec.Healed = now
		}
	})
	if err != nil {
		r.emit(f, results.EventHealFailed, now, err.Error())
	} else {
		r.emit(f, results.EventFaultHealed, now, reason)
	}
	serr := r.state.update(f.entry.Spec.Name, func(se *StateEntry) { recordHeal(se, err) })
	close(f.healed)
	return errors.Join(err, serr)
}

// awaitHeal waits for a heal another goroutine runs and returns its error.
func (r *Runner) awaitHeal(ctx context.Context, f *fault) error {
	hctx, cancel := r.opts.Heal.HealContext(ctx)
	defer cancel()
	select {
	case <-f.healed:
		r.mu.Lock()
		defer r.mu.Unlock()
		return f.rec.HealErr
	case <-hctx.Done():
		return fmt.Errorf("fault %q: %w: still healing after the heal timeout", f.entry.Spec.Name, ErrHealFailed)
	}
}

// HealAll stops the run's injections and heals every fault in place, waiting
// for injections under way to finish first. It detaches from ctx's
// cancellation (bounded by the heal policy's timeout), so it is right for a
// defer, after a panic or a signal:
//
//	defer func() { _ = r.HealAll(ctx) }()
//
// It returns the heal errors (each fault's, also those healed by Run), so a
// second call reports the same failures without healing twice.
func (r *Runner) HealAll(ctx context.Context) error {
	return rigError(r.healAll(ctx))
}

func (r *Runner) healAll(ctx context.Context) error {
	r.close()
	hctx, cancel := r.opts.Heal.HealContext(ctx)
	defer cancel()
	var errs []error
	for _, f := range r.faults {
		r.mu.Lock()
		injecting := f.phase == phaseInjecting
		r.mu.Unlock()
		if injecting {
			select {
			case <-f.injected:
			case <-hctx.Done():
				errs = append(errs, fmt.Errorf("fault %q: %w: its injection did not end before the heal timeout", f.entry.Spec.Name, ErrHealFailed))
				continue
			}
		}
		errs = append(errs, r.healFault(hctx, f, "heal-all"))
	}
	return errors.Join(errs...)
}

// emit sends one event to Options.Emit. A panicking sink cannot skip a heal:
// the panic is kept and returned by Run.
func (r *Runner) emit(f *fault, kind results.EventKind, at time.Time, detail string) {
	if r.opts.Emit == nil {
		return
	}
	target, mode := f.entry.Spec.Labels()
	ev := results.Event{Time: at, Kind: kind, Fault: f.entry.Spec.Name, Injector: f.entry.Spec.Kind, Target: target, Mode: mode, Detail: detail}
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	defer func() {
		if v := recover(); v != nil {
			if r.emitErr == nil {
				r.emitErr = fmt.Errorf("event sink panicked: %v", v)
			}
			r.panicked(v)
		}
	}()
	r.opts.Emit(ev)
}

func (r *Runner) emitError() error {
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	return r.emitErr
}
