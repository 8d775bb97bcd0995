package chaos_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/results"
)

// TestBudgetStopHealsEarly: a stop condition on the error budget alone heals
// the fault at the first check after the budget share spent passes the
// threshold, and says so in the event.
func TestBudgetStopHealsEarly(t *testing.T) {
	const after, check = 120 * time.Millisecond, 10 * time.Millisecond
	var began atomic.Int64
	inj := &fakeInjector{}
	share := func(since time.Time) float64 {
		began.Store(since.UnixNano())
		// 0.3 of the budget spent per 120 ms since the injection began
		return 0.3 * float64(time.Since(since)) / float64(after)
	}
	log := &eventLog{}
	e := fakeEntry("f", inj, 0, time.Hour)
	e.Stop = &chaos.StopCondition{BudgetShare: 0.3, Check: check}
	r := newRunner(t, chaos.Schedule{e}, chaos.Options{Emit: log.emit, BudgetShare: share})
	if err := await(t, runAsync(context.Background(), r, time.Now()), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	injects, heals := inj.calls()
	within(t, "budget stop heal", heals[0], time.Unix(0, began.Load()).Add(after), check+timerSlack)
	if !injects[0].Before(heals[0]) {
		t.Fatal("healed before injected")
	}
	want := []results.EventKind{results.EventFaultInjected, results.EventStopCondition, results.EventFaultHealed}
	if got := log.kinds("f"); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if d := log.of("f", results.EventStopCondition)[0].Detail; !strings.Contains(d, "error budget share") {
		t.Errorf("stop-condition detail %q", d)
	}
}

// TestBudgetStopNeedsTheBurn: a budget condition without the run's budget
// burn is a wrong schedule, not a condition that silently never fires.
func TestBudgetStopNeedsTheBurn(t *testing.T) {
	e := fakeEntry("f", &fakeInjector{}, 0, time.Second)
	e.Stop = &chaos.StopCondition{BudgetShare: 0.2}
	if _, err := chaos.NewRunner(chaos.Schedule{e}, chaos.Options{}); err == nil || !strings.Contains(err.Error(), "budget burn") {
		t.Errorf("NewRunner: %v, want the budget burn asked for", err)
	}
	e.Stop = &chaos.StopCondition{BudgetShare: 1.5}
	if _, err := chaos.NewRunner(chaos.Schedule{e}, chaos.Options{BudgetShare: func(time.Time) float64 { return 0 }}); err == nil {
		t.Error("a budget share of 1.5 was taken")
	}
}
