package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/results"
)

// Options configure a Runner.
type Options struct {
	// RunDir holds the state file (faults.json) and exec output. "" keeps no
	// state file, and then nothing can heal what a killed process left.
	RunDir string
	// Env builds injectors from specs; its RunDir defaults to RunDir.
	Env Env
	// Emit receives every event, one call at a time (it need not lock).
	Emit func(results.Event)
	// FailureRatio returns the failure ratio over the last window (for any
	// region, as the caller defines it; NaN when there were no requests).
	// Required when an entry has a stop condition.
	FailureRatio func(window time.Duration) float64
	// BudgetShare returns the share of the error budget spent since an
	// instant (NaN when unknown). Required when a stop condition has a
	// BudgetShare.
	BudgetShare func(since time.Time) float64
	// Heal is how hard to try each heal.
	Heal HealPolicy
	// OnPanic, when set, is told at once of every panic the runner recovers
	// in its own goroutines or in Emit (from the goroutine that recovered
	// it), so the caller can stop its traffic without waiting for Run. The
	// runner goes on to heal either way, and Run returns the panic as an
	// error too.
	OnPanic func(v any)
}

// Record is what happened to one fault of a run.
type Record struct {
	Spec       Spec
	Injected   time.Time // zero when never injected
	Healed     time.Time // zero when not healed
	HealReason string    // planned, max-duration, stop-condition, cancelled, run-stopped, after-failed-inject, heal-all
	InjectErr  error
	HealErr    error
}

type phase int

const (
	phasePending   phase = iota // not yet injected
	phaseSkipped                // the run stopped before its time
	phaseInjecting              // Inject running
	phaseActive                 // injected (or a failed inject): needs a heal
	phaseHealing                // Heal running
	phaseDone                   // heal over (see rec.HealErr)
)

// fault is one entry's life in a Runner.
type fault struct {
	entry    Entry
	inj      Injector
	injected chan struct{} // closed when the inject attempt is over
	healed   chan struct{} // closed when the heal attempt is over
	phase    phase         // under Runner.mu
	rec      Record        // under Runner.mu
}

// Runner runs a Schedule and guarantees each injected fault is healed.
//
//	r, err := chaos.NewRunner(sched, opts)
//	defer r.HealAll(ctx) // after a panic too
//	err = r.Run(ctx, start)
type Runner struct {
	opts     Options
	state    *stateFile
	faults   []*fault
	stop     chan struct{} // closed when no more faults may be injected
	stopOnce sync.Once
	ran      sync.Once

	mu      sync.Mutex
	closed  bool
	emitMu  sync.Mutex
	emitErr error
}

// NewRunner validates s, builds its injectors and opens the state file. Its
// errors carry exit code 2 (a wrong schedule) or 3 (the run directory).
func NewRunner(s Schedule, o Options) (*Runner, error) {
	errs := s.Validate()
	if o.FailureRatio == nil {
		for _, e := range s {
			if e.Stop != nil && (e.Stop.For > 0 || e.Stop.BudgetShare == 0) {
				errs = append(errs, fmt.Errorf("fault %q: a stop condition needs the run's failure ratio", e.Spec.Name))
			}
		}
	}
	for _, e := range s {
		if e.Stop != nil && e.Stop.BudgetShare > 0 && o.BudgetShare == nil {
			errs = append(errs, fmt.Errorf("fault %q: a budget stop condition needs the run's budget burn", e.Spec.Name))
		}
	}
	if err := joinValidation(errs); err != nil {
		return nil, exitcode.New(exitcode.Usage, err, "")
	}
	if o.Env.RunDir == "" {
		o.Env.RunDir = o.RunDir
	}
	r := &Runner{opts: o, stop: make(chan struct{})}
	for _, e := range s {
		f, err := newFault(e, o.Env)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, err, "")
		}
		r.faults = append(r.faults, f)
	}
	if o.RunDir != "" {
		sf, err := openState(o.RunDir)
		if err != nil {
			return nil, exitcode.New(exitcode.Rig, err, "")
		}
		r.state = sf
	}
	return r, nil
}

func newFault(e Entry, env Env) (*fault, error) {
	inj := e.Injector
	if inj == nil {
		var err error
		if inj, err = Build(e.Spec, env); err != nil {
			return nil, err
		}
	}
	f := &fault{entry: e, inj: inj, injected: make(chan struct{}), healed: make(chan struct{})}
	f.rec.Spec = e.Spec
	return f, nil
}

// Run injects each fault at start+At and heals it when its time is up, and
// returns once every fault is healed (or its heal failed). A cancelled ctx
// (SIGINT, SIGTERM) heals every injected fault and injects no more; a fault
// that fails to inject stops the run the same way. The error carries exit
// code 3 and wraps ErrInjectFailed or ErrHealFailed; a cancellation whose
// heals all succeeded is not an error, even when it cut an injection short. Run may be called once.
func (r *Runner) Run(ctx context.Context, start time.Time) error {
	err := errors.New("chaos: Run called twice")
	r.ran.Do(func() { err = r.run(ctx, start) })
	return err
}

func (r *Runner) run(ctx context.Context, start time.Time) error {
	errs := make([]error, len(r.faults))
	var wg sync.WaitGroup
	for i, f := range r.faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("fault %q: panic: %v", f.entry.Spec.Name, v)
					r.close()
					r.panicked(v)
				}
			}()
			errs[i] = r.runFault(ctx, start, f)
		}()
	}
	wg.Wait()
	// Every heal's error, once each; and a backstop: after a recovered panic
	// a fault may still be in place.
	errs = append(errs, r.healAll(ctx), r.emitError())
	return rigError(errors.Join(errs...))
}

// panicked tells Options.OnPanic of a recovered panic; a panicking handler
// cannot skip a heal.
func (r *Runner) panicked(v any) {
	if r.opts.OnPanic == nil {
		return
	}
	defer func() { _ = recover() }()
	r.opts.OnPanic(v)
}

// rigError gives err exit code 3 and a hint.
func rigError(err error) error {
	if err == nil {
		return nil
	}
	hint := ""
	if errors.Is(err, ErrHealFailed) {
		hint = "a fault may still be in place: fix the cause, then run `slocheck heal DIR` on the run directory"
	}
	return exitcode.New(exitcode.Rig, err, hint)
}

// runFault is one fault's life: wait, inject, wait, heal. It returns the
// inject error; heal errors are gathered by run.
func (r *Runner) runFault(ctx context.Context, start time.Time, f *fault) error {
	if !r.waitUntil(ctx, start.Add(f.entry.At)) || !r.claimInject(f) {
		return nil
	}
	began := time.Now()
	if err := r.inject(ctx, f); err != nil {
		// Inject no more; the others heal. This one's heal error, if any,
		// is in its record, and run reports it.
		r.close()
		_ = r.healFault(ctx, f, "after-failed-inject")
		if ctx.Err() != nil {
			// Cancelled while injecting (Ctrl-C, SIGTERM): the inject ended
			// because the run did, not on its own. The cancellation is the
			// reason; the record keeps the inject error and the heal ran.
			return nil
		}
		return err
	}
	_ = r.healFault(ctx, f, r.waitHeal(ctx, start, began, f))
	return nil
}

// waitUntil waits for t; false when the run stopped first.
func (r *Runner) waitUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-r.stop:
		return false
	}
}

// claimInject moves f to injecting unless the runner is closed.
func (r *Runner) claimInject(f *fault) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		f.phase = phaseSkipped
		return false
	}
	f.phase = phaseInjecting
	return true
}

// close stops all injection; faults in place go on to heal.
func (r *Runner) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.stopOnce.Do(func() { close(r.stop) })
}

// Records returns what happened to each fault so far, in schedule order.
func (r *Runner) Records() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Record, len(r.faults))
	for i, f := range r.faults {
		out[i] = f.rec
	}
	return out
}

// pid is recorded with each fault in the state file.
var pid = os.Getpid()
