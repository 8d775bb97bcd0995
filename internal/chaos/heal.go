package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// HealPolicy says how hard to try to heal a fault.
type HealPolicy struct {
	Attempts int           // tries in all; 0 means 4
	Backoff  time.Duration // wait after the first failed try, doubled after each; 0 means 250 ms
	Timeout  time.Duration // for all tries together, from a fresh context; 0 means 2 min
}

func (p HealPolicy) withDefaults() HealPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 4
	}
	if p.Backoff <= 0 {
		p.Backoff = 250 * time.Millisecond
	}
	if p.Timeout <= 0 {
		p.Timeout = 2 * time.Minute
	}
	return p
}

// HealContext returns a context for healing that outlives ctx's cancellation
// (a heal after SIGINT must still run) but not the policy's timeout.
func (p HealPolicy) HealContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), p.withDefaults().Timeout)
}

// Heal heals inj, retrying with exponential backoff until it succeeds, the
// attempts run out or ctx ends. It does not detach from ctx: pass a context
// from HealContext. The error wraps ErrHealFailed and lists every attempt's
// error.
func Heal(ctx context.Context, inj Injector, p HealPolicy) error {
	p = p.withDefaults()
	var errs []error
	wait := p.Backoff
	for attempt := 1; attempt <= p.Attempts; attempt++ {
		err := safeHeal(ctx, inj)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("attempt %d: %w", attempt, err))
		if attempt == p.Attempts || !sleep(ctx, wait) {
			break
		}
		wait *= 2
	}
	return fmt.Errorf("%w: %w", ErrHealFailed, errors.Join(errs...))
}

// safeHeal runs inj.Heal, turning a panic into an error.
func safeHeal(ctx context.Context, inj Injector) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("heal panicked: %v", v)
		}
	}()
	return inj.Heal(ctx)
}

// safeInject runs inj.Inject, turning a panic into an error.
func safeInject(ctx context.Context, inj Injector) (f Fault, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("inject panicked: %v", v)
		}
	}()
	return inj.Inject(ctx)
}

// sleep waits d or until ctx ends; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
