package chaos_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/results"
)

// panics collects what Options.OnPanic was told.
type panics struct {
	mu sync.Mutex
	v  []any
}

func (p *panics) add(v any) { p.mu.Lock(); p.v = append(p.v, v); p.mu.Unlock() }
func (p *panics) got() []any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]any(nil), p.v...)
}

// A panic in a fault's goroutine (here in the caller's failure-ratio
// function, called from the stop-condition check) reaches OnPanic, and every
// fault in place is still healed.
func TestGoroutinePanicReachesOnPanic(t *testing.T) {
	f, other := &fakeInjector{}, &fakeInjector{}
	entry := fakeEntry("f", f, 0, time.Hour)
	entry.Stop = &chaos.StopCondition{FailureRatio: 0.5, For: 20 * time.Millisecond, Check: 10 * time.Millisecond}
	seen := &panics{}
	r := newRunner(t, chaos.Schedule{entry, fakeEntry("other", other, 0, time.Hour)}, chaos.Options{
		FailureRatio: func(time.Duration) float64 { panic("ratio bug") },
		OnPanic:      seen.add,
	})
	err := await(t, runAsync(context.Background(), r, time.Now()), 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "ratio bug") {
		t.Fatalf("Run: %v; want the panic", err)
	}
	if got := seen.got(); len(got) != 1 || got[0] != "ratio bug" {
		t.Fatalf("OnPanic got %v, want [ratio bug]", got)
	}
	for name, inj := range map[string]*fakeInjector{"f": f, "other": other} {
		if _, heals := inj.calls(); len(heals) != 1 {
			t.Errorf("%s healed %d times, want 1", name, len(heals))
		}
	}
}

// A panic in Emit reaches OnPanic too, and skips no heal.
func TestEmitPanicReachesOnPanic(t *testing.T) {
	inj := &fakeInjector{}
	seen := &panics{}
	r := newRunner(t, chaos.Schedule{fakeEntry("f", inj, 0, time.Millisecond)}, chaos.Options{
		Emit:    func(results.Event) { panic("sink bug") },
		OnPanic: seen.add,
	})
	if err := r.Run(context.Background(), time.Now()); err == nil {
		t.Fatal("Run: nil error; want the sink's panic")
	}
	if got := seen.got(); len(got) == 0 || got[0] != "sink bug" {
		t.Fatalf("OnPanic got %v", got)
	}
	if _, heals := inj.calls(); len(heals) != 1 {
		t.Fatalf("%d heals, want 1", len(heals))
	}
}
