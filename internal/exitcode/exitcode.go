// Package exitcode holds the process exit codes of DESIGN.md §6 (a contract
// that pipelines gate on) and an error type that carries one of them, with an
// optional hint, from deep inside a command up to the single place that prints
// it and exits (internal/cli).
package exitcode

import (
	"errors"
	"fmt"
)

// The exit codes of DESIGN.md §6.
const (
	OK           = 0   // every deciding objective passed
	Usage        = 2   // the command line or a scenario was wrong
	Rig          = 3   // the rig failed: target unreachable before start, injector failed
	Inconclusive = 98  // inconclusive, when the run was asked to treat that as failure
	Failed       = 99  // an objective failed (as k6 does for thresholds)
	Interrupted  = 130 // interrupted; faults healed, partial results kept
)

// Error is an error with the exit code it should end the process with and an
// optional hint printed after it as "Try: …".
type Error struct {
	Code int
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// New wraps err with an exit code and a hint (which may be empty).
func New(code int, err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err, Hint: hint}
}

// Errorf formats an error that carries code.
func Errorf(code int, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Code returns the exit code err carries: OK for nil, 1 for an error that
// carries none.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}

// Hint returns the hint err carries, or "".
func Hint(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}
