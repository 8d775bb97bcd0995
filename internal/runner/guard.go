package runner

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/slocheck/slocheck/internal/exitcode"
)

// guard takes what must end a run early from any of its goroutines: a
// recovered panic (a bug in slocheck) or the watchdog's verdict. The first
// one is kept and cancels the traffic at once; the run then heals, keeps
// the results, writes the reports and returns that error (exit 3).
//
//	go func() {
//		defer g.recover("the sink's sample loop")
//		…
//	}()
type guard struct {
	cancel context.CancelFunc // stops the traffic
	log    io.Writer          // panics' stacks go here

	once  sync.Once
	fired chan struct{} // closed by the first failure
	mu    sync.Mutex
	err   error
}

func newGuard(cancel context.CancelFunc, log io.Writer) *guard {
	if log == nil {
		log = io.Discard
	}
	return &guard{cancel: cancel, log: log, fired: make(chan struct{})}
}

// recover hands a panic of the calling goroutine to the run. It must be
// deferred directly (recover works only there).
func (g *guard) recover(where string) {
	if v := recover(); v != nil {
		g.panicked(where, v, debug.Stack())
	}
}

// handler returns a panic handler for code that recovers by itself (the
// recorder's ticker, the chaos runner).
func (g *guard) handler(where string) func(any) {
	return func(v any) { g.panicked(where, v, debug.Stack()) }
}

func (g *guard) panicked(where string, v any, stack []byte) {
	fmt.Fprintf(g.log, "panic in %s: %v\n%s\n", where, v, stack)
	g.fail(exitcode.New(exitcode.Rig, fmt.Errorf("panic in %s: %v", where, v),
		"a bug in slocheck: faults were healed and the results kept; please report it with the stack in the log"))
}

// fail ends the run with err unless another failure came first.
func (g *guard) fail(err error) {
	g.once.Do(func() {
		g.mu.Lock()
		g.err = err
		g.mu.Unlock()
		close(g.fired)
		g.cancel()
	})
}

// Err returns the first failure, nil when none.
func (g *guard) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}
