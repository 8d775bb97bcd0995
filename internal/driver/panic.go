package driver

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// ErrPanic is wrapped by the error Run returns when one of the run's
// goroutines (a worker, an event loop, the pacer) panicked: the panic was
// recovered, the run cancelled as by its context (nothing more is sent, the
// requests in flight end), and the Stats gathered so far are returned beside
// the error. The process lives on, so a fault in flight can still be healed.
var ErrPanic = errors.New("driver: panic")

// PanicError is a recovered panic: where it happened, its value and the
// goroutine's stack at the panic. It wraps ErrPanic.
type PanicError struct {
	Where string // "worker 3", "event loop 1", "pacer"
	Value any
	Stack []byte
}

// Error names the panic and where it happened.
func (e *PanicError) Error() string { return fmt.Sprintf("%v in %s: %v", ErrPanic, e.Where, e.Value) }

// Unwrap returns ErrPanic.
func (e *PanicError) Unwrap() error { return ErrPanic }

// recovered records a recovered panic value v (nil: none) of the goroutine
// named where, cancels the run and reports whether there was one. The first
// panic of a run is the one Run returns. Call it from a deferred function:
// defer func() { r.recovered(recover(), where) }().
func (r *runner) recovered(v any, where string) bool {
	if v == nil {
		return false
	}
	r.cancel() // first: nothing more is sent while the stack is taken
	pe := &PanicError{Where: where, Value: v, Stack: debug.Stack()}
	r.panicMu.Lock()
	if r.panicErr == nil {
		r.panicErr = pe
	}
	r.panicMu.Unlock()
	return true
}

// err is the run's error: its first panic, or nil.
func (r *runner) err() error {
	r.panicMu.Lock()
	defer r.panicMu.Unlock()
	if r.panicErr == nil {
		return nil
	}
	return r.panicErr
}

// hook calls the test hook Config.panicAt, if set, for an arrival due at
// due handled by the goroutine kind where ("worker", "event loop", "pacer").
func (r *runner) hook(where string, due time.Duration) {
	if r.cfg.panicAt != nil {
		r.cfg.panicAt(where, due)
	}
}
