package chaos_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/results"
)

// fakeInjector records when it was called; function fields decide what each
// call does.
type fakeInjector struct {
	mu      sync.Mutex
	injects []time.Time
	heals   []time.Time
	inject  func(ctx context.Context, n int) (chaos.Fault, error) // n counts from 1
	heal    func(ctx context.Context, n int) error
}

var _ chaos.Injector = (*fakeInjector)(nil)

func (f *fakeInjector) Inject(ctx context.Context) (chaos.Fault, error) {
	now := time.Now()
	f.mu.Lock()
	f.injects = append(f.injects, now)
	n := len(f.injects)
	f.mu.Unlock()
	if f.inject != nil {
		return f.inject(ctx, n)
	}
	return chaos.Fault{Issued: now, Injected: now, Undo: "fake heal"}, nil
}

func (f *fakeInjector) Heal(ctx context.Context) error {
	f.mu.Lock()
	f.heals = append(f.heals, time.Now())
	n := len(f.heals)
	f.mu.Unlock()
	if f.heal != nil {
		return f.heal(ctx, n)
	}
	return nil
}

func (f *fakeInjector) calls() (injects, heals []time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.injects...), append([]time.Time(nil), f.heals...)
}

// eventLog collects events; safe for concurrent use.
type eventLog struct {
	mu sync.Mutex
	ev []results.Event
}

func (l *eventLog) emit(e results.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ev = append(l.ev, e)
}

func (l *eventLog) all() []results.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]results.Event(nil), l.ev...)
}

// of returns the events of one fault and kind.
func (l *eventLog) of(fault string, kind results.EventKind) []results.Event {
	var out []results.Event
	for _, e := range l.all() {
		if e.Fault == fault && e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// kinds returns the kinds of one fault's events, in order.
func (l *eventLog) kinds(fault string) []results.EventKind {
	var out []results.EventKind
	for _, e := range l.all() {
		if e.Fault == fault {
			out = append(out, e.Kind)
		}
	}
	return out
}

func fakeEntry(name string, inj chaos.Injector, at, dur time.Duration) chaos.Entry {
	return chaos.Entry{Spec: chaos.Spec{Kind: "fake", Name: name, Target: "eastus", Mode: "down"}, Injector: inj, At: at, For: dur}
}

// fastHeal retries quickly, so failing-heal tests stay short.
var fastHeal = chaos.HealPolicy{Attempts: 3, Backoff: 5 * time.Millisecond, Timeout: 10 * time.Second}

func newRunner(t *testing.T, s chaos.Schedule, o chaos.Options) *chaos.Runner {
	t.Helper()
	r, err := chaos.NewRunner(s, o)
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	return r
}

// waitFor polls cond every 5 ms for at most limit: a bounded wait.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runAsync runs r in a goroutine and returns a channel with its error.
func runAsync(ctx context.Context, r *chaos.Runner, start time.Time) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, start) }()
	return done
}

// await returns Run's error, failing the test if it takes longer than limit.
func await(t *testing.T, done <-chan error, limit time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("Run did not return within %s", limit)
		return errors.New("unreachable")
	}
}
