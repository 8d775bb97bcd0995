// Package chaos injects and heals faults on a schedule, with the heal
// guaranteed on every way out of a run (DESIGN.md §5).
//
// The seam is Injector: an idempotent Inject/Heal pair. Each kind of fault
// lives in its own sub-package (platformfault, httphook, execfault, …) and
// registers a builder for its Spec kind, so a fault described in a scenario or
// left in a run directory's faults.json can be rebuilt and healed by a later
// process (HealDir, used by `slocheck heal DIR`).
//
// A Runner injects each Entry of a Schedule at its time, heals it when its
// time is up, when its maximum duration passes, when its stop condition fires,
// when the run's context is cancelled (SIGINT, SIGTERM), when another fault
// fails to inject, or when HealAll is called from a deferred function after a
// panic. Before each injection the fault is written to the run directory's
// state file, so even a SIGKILLed run leaves enough behind to undo it.
package chaos

import (
	"context"
	"errors"
	"time"
)

// Injector injects one fault and heals it. Both methods are idempotent: a
// second Inject of an injected fault and a Heal of a healthy target succeed.
type Injector interface {
	// Inject puts the fault in place and reports when it took effect.
	Inject(ctx context.Context) (Fault, error)
	// Heal undoes the fault.
	Heal(ctx context.Context) error
}

// Fault is an injected fault as its injector saw it.
type Fault struct {
	// Issued is when the injector started injecting (request sent, command
	// started).
	Issued time.Time
	// Injected is the instant the fault took effect, as exactly as the
	// injector can tell: the target's own timestamp when it reports one,
	// otherwise the instant the target acknowledged the injection.
	Injected time.Time
	// Undo says, for people, what Heal will do ("DELETE http://…/faults/eastus").
	Undo string
}

// Sentinel errors, matched with errors.Is.
var (
	// ErrInjectFailed marks an injection that failed: the run stops (exit 3).
	ErrInjectFailed = errors.New("inject failed")
	// ErrHealFailed marks a heal that failed after every retry: a fault may
	// still be in place and needs a person (or `slocheck heal DIR`).
	ErrHealFailed = errors.New("heal failed")
	// ErrUnknownKind is returned by Build for a kind no package registered.
	ErrUnknownKind = errors.New("unknown injector kind")
)
