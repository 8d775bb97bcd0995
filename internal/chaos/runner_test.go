package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/results"
)

// timerSlack bounds how late the runner may act after a deadline. It sleeps
// on one timer per deadline (it never polls), so its lateness is a timer
// wake-up plus a goroutine switch on a busy 2-core machine; a runner that
// polled every 250 ms or more, or that added a fixed delay, would exceed it.
const timerSlack = 200 * time.Millisecond

// within fails unless got lies in [want, want+slack]: never early, at most
// slack late.
func within(t *testing.T, what string, got, want time.Time, slack time.Duration) {
	t.Helper()
	if got.Before(want) {
		t.Errorf("%s %s early", what, want.Sub(got))
	}
	if late := got.Sub(want); late > slack {
		t.Errorf("%s %s late (tolerance %s)", what, late, slack)
	}
}

func TestRunInjectsAndHealsOnSchedule(t *testing.T) {
	a, b := &fakeInjector{}, &fakeInjector{}
	log := &eventLog{}
	sched := chaos.Schedule{
		fakeEntry("a", a, 100*time.Millisecond, 200*time.Millisecond),
		fakeEntry("b", b, 150*time.Millisecond, 50*time.Millisecond), // overlaps a
	}
	r := newRunner(t, sched, chaos.Options{Emit: log.emit})
	start := time.Now()
	if err := r.Run(context.Background(), start); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, c := range []struct {
		name    string
		inj     *fakeInjector
		at, dur time.Duration
	}{{"a", a, 100 * time.Millisecond, 200 * time.Millisecond}, {"b", b, 150 * time.Millisecond, 50 * time.Millisecond}} {
		injects, heals := c.inj.calls()
		if len(injects) != 1 || len(heals) != 1 {
			t.Fatalf("%s: %d injects, %d heals; want 1 and 1", c.name, len(injects), len(heals))
		}
		within(t, c.name+" inject", injects[0], start.Add(c.at), timerSlack)
		within(t, c.name+" heal", heals[0], start.Add(c.at+c.dur), timerSlack)
		if got := log.kinds(c.name); !slices.Equal(got, []results.EventKind{results.EventFaultInjected, results.EventFaultHealed}) {
			t.Fatalf("%s events %v", c.name, got)
		}
		inj, healed := log.of(c.name, results.EventFaultInjected)[0], log.of(c.name, results.EventFaultHealed)[0]
		if !inj.Time.Equal(injects[0]) {
			t.Errorf("%s injected event at %v, injector's instant %v", c.name, inj.Time, injects[0])
		}
		// The healed instant is when Heal returned: after the call, at once.
		within(t, c.name+" healed event", healed.Time, heals[0], timerSlack)
		if healed.Detail != "planned" || inj.Target != "eastus" || inj.Mode != "down" || inj.Injector != "fake" {
			t.Errorf("%s events carry %+v / %+v", c.name, inj, healed)
		}
	}
	recs := r.Records()
	if !recs[0].Injected.Equal(log.of("a", results.EventFaultInjected)[0].Time) || recs[0].HealReason != "planned" || recs[0].Healed.IsZero() {
		t.Errorf("record %+v", recs[0])
	}
}

func TestInjectedEventCarriesTheTargetsInstant(t *testing.T) {
	// A platform reports when the fault took effect by its own clock; the
	// event must carry that instant, not when the runner heard of it.
	platformTime := time.Now().Add(-3 * time.Millisecond).Round(time.Millisecond)
	inj := &fakeInjector{inject: func(context.Context, int) (chaos.Fault, error) {
		return chaos.Fault{Issued: platformTime.Add(-time.Millisecond), Injected: platformTime}, nil
	}}
	log := &eventLog{}
	r := newRunner(t, chaos.Schedule{fakeEntry("f", inj, 0, time.Millisecond)}, chaos.Options{Emit: log.emit})
	if err := r.Run(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := log.of("f", results.EventFaultInjected)[0].Time; !got.Equal(platformTime) {
		t.Fatalf("injected at %v, want the target's %v", got, platformTime)
	}
}

func TestCancelMidFaultHealsAtOnce(t *testing.T) {
	inj := &fakeInjector{}
	later := &fakeInjector{}
	log := &eventLog{}
	dir := t.TempDir()
	sched := chaos.Schedule{
		fakeEntry("f", inj, 0, time.Hour),
		fakeEntry("later", later, time.Hour, time.Second),
	}
	r := newRunner(t, sched, chaos.Options{Emit: log.emit, RunDir: dir})
	ctx, cancel := context.WithCancel(context.Background())
	done := runAsync(ctx, r, time.Now())
	waitFor(t, 5*time.Second, "the injection", func() bool { return len(log.of("f", results.EventFaultInjected)) == 1 })
	cancelled := time.Now()
	cancel()
	if err := await(t, done, 5*time.Second); err != nil {
		t.Fatalf("Run after a cancel whose heals succeeded: %v", err)
	}
	_, heals := inj.calls()
	if len(heals) != 1 {
		t.Fatalf("%d heals, want 1", len(heals))
	}
	within(t, "heal after cancel", heals[0], cancelled, timerSlack)
	if ev := log.of("f", results.EventFaultHealed); len(ev) != 1 || ev[0].Detail != "cancelled" {
		t.Fatalf("healed events %+v", ev)
	}
	if injects, _ := later.calls(); len(injects) != 0 {
		t.Fatal("a fault due after the cancel was injected")
	}
	st, err := chaos.ReadState(dir)
	if err != nil || len(st.Faults) != 1 || st.Faults[0].Status != chaos.StatusHealed {
		t.Fatalf("state %+v, %v: want f healed and nothing for the fault never injected", st, err)
	}
}

func TestHealAllInADeferHealsAfterAPanic(t *testing.T) {
	inj := &fakeInjector{}
	later := &fakeInjector{}
	log := &eventLog{}
	sched := chaos.Schedule{fakeEntry("f", inj, 0, time.Hour), fakeEntry("later", later, 200*time.Millisecond, time.Second)}
	r := newRunner(t, sched, chaos.Options{Emit: log.emit})
	ctx := context.Background()
	done := runAsync(ctx, r, time.Now())

	recovered := func() (v any) {
		defer func() { v = recover() }()
		defer func() {
			if err := r.HealAll(ctx); err != nil {
				t.Errorf("HealAll: %v", err)
			}
		}()
		waitFor(t, 5*time.Second, "the injection", func() bool { return len(log.of("f", results.EventFaultInjected)) == 1 })
		panic("load generator bug")
	}()
	if recovered != "load generator bug" {
		t.Fatalf("recovered %v", recovered)
	}
	// HealAll has returned: the fault must already be healed, not later.
	if _, heals := inj.calls(); len(heals) != 1 {
		t.Fatalf("%d heals when HealAll returned, want 1", len(heals))
	}
	if err := await(t, done, 5*time.Second); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if injects, _ := later.calls(); len(injects) != 0 {
		t.Fatal("a fault was injected after HealAll")
	}
	if _, heals := inj.calls(); len(heals) != 1 {
		t.Fatalf("healed %d times, want once", len(heals))
	}
}

func TestHealAllWaitsForAnInjectionUnderWay(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	inj := &fakeInjector{inject: func(ctx context.Context, _ int) (chaos.Fault, error) {
		close(entered)
		<-release
		return chaos.Fault{Injected: time.Now()}, nil
	}}
	r := newRunner(t, chaos.Schedule{fakeEntry("f", inj, 0, time.Hour)}, chaos.Options{})
	done := runAsync(context.Background(), r, time.Now())
	<-entered
	healed := make(chan error, 1)
	go func() { healed <- r.HealAll(context.Background()) }()
	time.Sleep(20 * time.Millisecond) // HealAll must be waiting, not done
	if _, heals := inj.calls(); len(heals) != 0 {
		t.Fatal("healed before the injection ended")
	}
	close(release)
	if err := await(t, healed, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, heals := inj.calls(); len(heals) != 1 {
		t.Fatalf("%d heals, want 1", len(heals))
	}
	if err := await(t, done, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestInjectFailureStopsTheRunAndHealsWhatWasInjected(t *testing.T) {
	first := &fakeInjector{}
	broken := &fakeInjector{inject: func(context.Context, int) (chaos.Fault, error) {
		return chaos.Fault{}, errors.New("exit status 7")
	}}
	never := &fakeInjector{}
	log := &eventLog{}
	dir := t.TempDir()
	sched := chaos.Schedule{
		fakeEntry("first", first, 0, time.Hour),
		fakeEntry("broken", broken, 50*time.Millisecond, time.Hour),
		fakeEntry("never", never, 300*time.Millisecond, time.Hour),
	}
	r := newRunner(t, sched, chaos.Options{Emit: log.emit, RunDir: dir})
	err := await(t, runAsync(context.Background(), r, time.Now()), 10*time.Second)
	if !errors.Is(err, chaos.ErrInjectFailed) || exitcode.Code(err) != exitcode.Rig {
		t.Fatalf("Run: %v (exit %d); want an inject failure with exit 3", err, exitcode.Code(err))
	}
	if !strings.Contains(err.Error(), "exit status 7") || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("error %q does not say which fault failed and why", err)
	}
	if _, heals := first.calls(); len(heals) != 1 {
		t.Fatalf("first fault healed %d times, want 1", len(heals))
	}
	// A failed inject may have half-worked: it is healed too (heals are idempotent).
	if _, heals := broken.calls(); len(heals) != 1 {
		t.Fatalf("broken fault healed %d times, want 1", len(heals))
	}
	if injects, _ := never.calls(); len(injects) != 0 {
		t.Fatal("a fault was injected after another failed")
	}
	want := []results.EventKind{results.EventInjectFailed, results.EventFaultHealed}
	if got := log.kinds("broken"); !slices.Equal(got, want) {
		t.Fatalf("broken's events %v, want %v", got, want)
	}
	if d := log.of("first", results.EventFaultHealed)[0].Detail; d != "run-stopped" {
		t.Errorf("first healed because %q", d)
	}
	st, _ := chaos.ReadState(dir)
	for _, f := range st.Faults {
		if f.Status != chaos.StatusHealed {
			t.Errorf("state: %s is %s", f.Spec.Name, f.Status)
		}
		if f.Spec.Name == "broken" && !strings.Contains(f.Error, "exit status 7") {
			t.Errorf("state keeps no trace of the inject error: %+v", f)
		}
	}
}

func TestHealFailureIsLoud(t *testing.T) {
	var n atomic.Int32
	inj := &fakeInjector{heal: func(_ context.Context, i int) error {
		n.Add(1)
		return fmt.Errorf("origin locked (try %d)", i)
	}}
	log := &eventLog{}
	dir := t.TempDir()
	r := newRunner(t, chaos.Schedule{fakeEntry("f", inj, 0, 10*time.Millisecond)}, chaos.Options{Emit: log.emit, RunDir: dir, Heal: fastHeal})
	err := r.Run(context.Background(), time.Now())
	if !errors.Is(err, chaos.ErrHealFailed) || exitcode.Code(err) != exitcode.Rig || exitcode.Hint(err) == "" {
		t.Fatalf("Run: %v (exit %d); want a heal failure, exit 3, with a hint", err, exitcode.Code(err))
	}
	if n.Load() != int32(fastHeal.Attempts) {
		t.Fatalf("%d heal attempts, want %d", n.Load(), fastHeal.Attempts)
	}
	for i := 1; i <= fastHeal.Attempts; i++ {
		if !strings.Contains(err.Error(), fmt.Sprintf("origin locked (try %d)", i)) {
			t.Errorf("error does not list attempt %d: %v", i, err)
		}
	}
	if strings.Count(err.Error(), "try 1") != 1 {
		t.Errorf("the failure is reported more than once: %v", err)
	}
	ev := log.of("f", results.EventHealFailed)
	if len(ev) != 1 || !strings.Contains(ev[0].Detail, "origin locked") || len(log.of("f", results.EventFaultHealed)) != 0 {
		t.Fatalf("events %+v", log.all())
	}
	if rec := r.Records()[0]; rec.HealErr == nil || !rec.Healed.IsZero() {
		t.Errorf("record %+v", rec)
	}
	if st, _ := chaos.ReadState(dir); st.Faults[0].Status != chaos.StatusHealFailed {
		t.Errorf("state %+v", st.Faults[0])
	}
	// A deferred HealAll afterwards reports the same failure; it does not retry.
	if err := r.HealAll(context.Background()); !errors.Is(err, chaos.ErrHealFailed) || n.Load() != int32(fastHeal.Attempts) {
		t.Errorf("HealAll after a failed heal: %v, %d attempts", err, n.Load())
	}
}

func TestHealRetriesWithBackoff(t *testing.T) {
	const backoff = 30 * time.Millisecond
	inj := &fakeInjector{heal: func(_ context.Context, i int) error {
		if i < 3 {
			return errors.New("busy")
		}
		return nil
	}}
	log := &eventLog{}
	p := chaos.HealPolicy{Attempts: 4, Backoff: backoff}
	r := newRunner(t, chaos.Schedule{fakeEntry("f", inj, 0, time.Millisecond)}, chaos.Options{Emit: log.emit, Heal: p})
	if err := r.Run(context.Background(), time.Now()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	_, heals := inj.calls()
	if len(heals) != 3 {
		t.Fatalf("%d heal attempts, want 3", len(heals))
	}
	// The waits double: backoff, then 2×backoff.
	within(t, "second attempt", heals[1], heals[0].Add(backoff), timerSlack)
	within(t, "third attempt", heals[2], heals[1].Add(2*backoff), timerSlack)
	if len(log.of("f", results.EventFaultHealed)) != 1 || len(log.of("f", results.EventHealFailed)) != 0 {
		t.Fatalf("events %+v", log.all())
	}
}

func TestStopConditionHealsEarly(t *testing.T) {
	const window, check = 150 * time.Millisecond, 10 * time.Millisecond
	var injectedAt atomic.Int64
	inj := &fakeInjector{inject: func(context.Context, int) (chaos.Fault, error) {
		now := time.Now()
		injectedAt.Store(now.UnixNano())
		return chaos.Fault{Injected: now}, nil
	}}
	var windows atomic.Int64
	ratio := func(w time.Duration) float64 {
		windows.Store(int64(w))
		if injectedAt.Load() == 0 {
			return 0
		}
		return 0.8 // users suffer as soon as the fault is in
	}
	log := &eventLog{}
	e := fakeEntry("f", inj, 0, time.Hour)
	e.Stop = &chaos.StopCondition{FailureRatio: 0.5, For: window, Check: check}
	r := newRunner(t, chaos.Schedule{e}, chaos.Options{Emit: log.emit, FailureRatio: ratio})
	if err := await(t, runAsync(context.Background(), r, time.Now()), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	injects, heals := inj.calls()
	// It fires at the first check once the fault has lasted the window: at
	// most one check period after it, plus the timer slack.
	within(t, "stop-condition heal", heals[0], injects[0].Add(window), check+timerSlack)
	if time.Duration(windows.Load()) != window {
		t.Errorf("failure ratio asked over %s, want the condition's window %s", time.Duration(windows.Load()), window)
	}
	want := []results.EventKind{results.EventFaultInjected, results.EventStopCondition, results.EventFaultHealed}
	if got := log.kinds("f"); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if d := log.of("f", results.EventStopCondition)[0].Detail; !strings.Contains(d, "0.8000 above 0.5000") {
		t.Errorf("stop-condition detail %q", d)
	}
}

func TestStopConditionQuietWhenBelowOrNoTraffic(t *testing.T) {
	for _, ratio := range []float64{0.5, math.NaN()} { // at the threshold is not above it; NaN is no traffic
		inj := &fakeInjector{}
		log := &eventLog{}
		e := fakeEntry("f", inj, 0, 100*time.Millisecond)
		e.Stop = &chaos.StopCondition{FailureRatio: 0.5, For: 20 * time.Millisecond, Check: 5 * time.Millisecond}
		r := newRunner(t, chaos.Schedule{e}, chaos.Options{Emit: log.emit, FailureRatio: func(time.Duration) float64 { return ratio }})
		if err := r.Run(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if ev := log.of("f", results.EventFaultHealed); len(ev) != 1 || ev[0].Detail != "planned" || len(log.of("f", results.EventStopCondition)) != 0 {
			t.Errorf("ratio %v: events %+v", ratio, log.all())
		}
	}
}

func TestMaxDurationCapsTheFault(t *testing.T) {
	const maxDur = 100 * time.Millisecond
	inj := &fakeInjector{}
	log := &eventLog{}
	e := fakeEntry("f", inj, 0, time.Hour)
	e.MaxDuration = maxDur
	r := newRunner(t, chaos.Schedule{e}, chaos.Options{Emit: log.emit})
	if err := await(t, runAsync(context.Background(), r, time.Now()), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	injects, heals := inj.calls()
	within(t, "capped heal", heals[0], injects[0].Add(maxDur), timerSlack)
	if d := log.of("f", results.EventFaultHealed)[0].Detail; d != "max-duration" {
		t.Errorf("healed because %q", d)
	}
}

func TestStateFileIsWrittenBeforeInjecting(t *testing.T) {
	dir := t.TempDir()
	var seen chaos.State
	var readErr error
	inj := &fakeInjector{inject: func(context.Context, int) (chaos.Fault, error) {
		seen, readErr = chaos.ReadState(dir) // what a SIGKILL right now would leave
		return chaos.Fault{Injected: time.Now()}, nil
	}}
	spec := chaos.Spec{Kind: chaos.KindExec, Name: "f", Exec: &chaos.ExecSpec{InjectCmd: "true", HealCmd: "true"}}
	r := newRunner(t, chaos.Schedule{{Spec: spec, Injector: inj, For: time.Millisecond}}, chaos.Options{RunDir: dir})
	if err := r.Run(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if readErr != nil || len(seen.Faults) != 1 {
		t.Fatalf("state during Inject: %+v, %v", seen, readErr)
	}
	got := seen.Faults[0]
	if got.Status != chaos.StatusInjecting || got.Spec.Exec == nil || got.Spec.Exec.HealCmd != "true" || got.PID == 0 {
		t.Fatalf("state during Inject %+v: want the spec, injecting, the pid", got)
	}
	after, _ := chaos.ReadState(dir)
	if f := after.Faults[0]; f.Status != chaos.StatusHealed || f.Injected.IsZero() || f.Healed.Before(f.Injected) {
		t.Fatalf("state after the run %+v", f)
	}
}

func TestEventSinkPanicSkipsNoHeal(t *testing.T) {
	inj := &fakeInjector{}
	r := newRunner(t, chaos.Schedule{fakeEntry("f", inj, 0, time.Millisecond)}, chaos.Options{Emit: func(results.Event) { panic("sink bug") }})
	err := r.Run(context.Background(), time.Now())
	if err == nil || !strings.Contains(err.Error(), "sink bug") {
		t.Fatalf("Run: %v; want the sink's panic reported", err)
	}
	if _, heals := inj.calls(); len(heals) != 1 {
		t.Fatalf("%d heals, want 1", len(heals))
	}
}

func TestInjectorPanicIsAnInjectFailure(t *testing.T) {
	inj := &fakeInjector{inject: func(context.Context, int) (chaos.Fault, error) { panic("nil map") }}
	r := newRunner(t, chaos.Schedule{fakeEntry("f", inj, 0, time.Hour)}, chaos.Options{})
	err := await(t, runAsync(context.Background(), r, time.Now()), 5*time.Second)
	if !errors.Is(err, chaos.ErrInjectFailed) || !strings.Contains(err.Error(), "nil map") {
		t.Fatalf("Run: %v", err)
	}
	if _, heals := inj.calls(); len(heals) != 1 {
		t.Fatalf("%d heals, want 1", len(heals))
	}
}

func TestScheduleValidate(t *testing.T) {
	inj := &fakeInjector{}
	ok := fakeEntry("ok", inj, 0, time.Second)
	cases := map[string]struct {
		s    chaos.Schedule
		want []string
	}{
		"no name":        {chaos.Schedule{fakeEntry("", inj, 0, time.Second)}, []string{"name is empty"}},
		"duplicate":      {chaos.Schedule{ok, ok}, []string{"name used twice"}},
		"negative":       {chaos.Schedule{fakeEntry("n", inj, -time.Second, time.Second)}, []string{"must not be negative"}},
		"no duration":    {chaos.Schedule{fakeEntry("d", inj, 0, 0)}, []string{"needs a duration"}},
		"no kind":        {chaos.Schedule{{Spec: chaos.Spec{Name: "k"}, For: time.Second}}, []string{"kind is empty"}},
		"bad stop ratio": {chaos.Schedule{{Spec: ok.Spec, Injector: inj, For: time.Second, Stop: &chaos.StopCondition{FailureRatio: 1, For: time.Second}}}, []string{"not in [0, 1)"}},
		"all at once":    {chaos.Schedule{fakeEntry("", inj, -1, 0)}, []string{"name is empty", "must not be negative", "needs a duration"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			errs := c.s.Validate()
			joined := errors.Join(errs...)
			if len(errs) != len(c.want) {
				t.Fatalf("got %d errors (%v), want %d", len(errs), joined, len(c.want))
			}
			for _, w := range c.want {
				if !strings.Contains(joined.Error(), w) {
					t.Errorf("errors %q lack %q", joined, w)
				}
			}
		})
	}
	if errs := (chaos.Schedule{ok}).Validate(); len(errs) != 0 {
		t.Fatalf("valid schedule: %v", errs)
	}
	// A stop condition without the run's failure ratio is a usage error.
	e := ok
	e.Stop = &chaos.StopCondition{FailureRatio: 0.5, For: time.Second}
	if _, err := chaos.NewRunner(chaos.Schedule{e}, chaos.Options{}); exitcode.Code(err) != exitcode.Usage {
		t.Fatalf("NewRunner: %v (exit %d), want exit 2", err, exitcode.Code(err))
	}
}

// TestCancelDuringInjectIsACancellation cancels the run while an injection
// is under way (Ctrl-C as the injector waits on the target): the injector
// returns the context's error, and that is the cancellation, not an inject
// failure with exit 3. The half-done fault is healed all the same.
func TestCancelDuringInjectIsACancellation(t *testing.T) {
	entered := make(chan struct{})
	inj := &fakeInjector{inject: func(ctx context.Context, _ int) (chaos.Fault, error) {
		close(entered)
		<-ctx.Done()
		return chaos.Fault{}, fmt.Errorf("post /faults: %w", ctx.Err())
	}}
	log := &eventLog{}
	r := newRunner(t, chaos.Schedule{fakeEntry("f", inj, 0, time.Hour)}, chaos.Options{Emit: log.emit})
	ctx, cancel := context.WithCancel(context.Background())
	done := runAsync(ctx, r, time.Now())
	<-entered
	cancel()
	if err := await(t, done, 5*time.Second); err != nil {
		t.Fatalf("Run after a cancel during the injection: %v (exit %d); want nil, the cancellation is the reason", err, exitcode.Code(err))
	}
	if _, heals := inj.calls(); len(heals) != 1 {
		t.Fatalf("%d heals, want 1: a cut-short injection may have half-worked", len(heals))
	}
	rec := r.Records()[0]
	if rec.InjectErr == nil || !errors.Is(rec.InjectErr, context.Canceled) {
		t.Errorf("record %+v keeps no trace of the cut-short injection", rec)
	}
	want := []results.EventKind{results.EventInjectFailed, results.EventFaultHealed}
	if got := log.kinds("f"); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
