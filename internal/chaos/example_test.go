package chaos_test

import (
	"context"
	"fmt"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/results"
)

// switchInjector is a fault that only says what it does.
type switchInjector struct{}

func (switchInjector) Inject(context.Context) (chaos.Fault, error) {
	fmt.Println("region off")
	return chaos.Fault{Injected: time.Now(), Undo: "region on"}, nil
}

func (switchInjector) Heal(context.Context) error {
	fmt.Println("region on")
	return nil
}

func ExampleRunner() {
	sched := chaos.Schedule{{
		Spec:     chaos.Spec{Kind: "switch", Name: "eastus-down", Target: "eastus", Mode: "down"},
		Injector: switchInjector{},
		At:       10 * time.Millisecond,
		For:      20 * time.Millisecond,
	}}
	r, err := chaos.NewRunner(sched, chaos.Options{
		Emit: func(e results.Event) { fmt.Println("event:", e.Kind, e.Fault, e.Target, e.Mode) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	defer r.HealAll(ctx) // heals even after a panic; a no-op here
	if err := r.Run(ctx, time.Now()); err != nil {
		fmt.Println(err)
	}
	fmt.Println("healed because:", r.Records()[0].HealReason)
	// Output:
	// region off
	// event: fault-injected eastus-down eastus down
	// region on
	// event: fault-healed eastus-down eastus down
	// healed because: planned
}
