package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// faulted is the embedded platform of a run, seen by the tests' hooks, which
// act only while the platform itself says a fault is in place.
type faulted struct {
	p atomic.Pointer[platform.Platform]
}

func (f *faulted) onPlatform(p *platform.Platform) { f.p.Store(p) }

func (f *faulted) active() bool {
	p := f.p.Load()
	return p != nil && len(p.Faults()) > 0
}

// once runs fn the first time it is called while a fault is in place.
func (f *faulted) once(fn func()) func() {
	var done atomic.Bool
	return func() {
		if f.active() && done.CompareAndSwap(false, true) {
			fn()
		}
	}
}

// healedOnPlatform fails t unless the platform holds no fault and its own
// events end every fault it saw injected with a heal.
func healedOnPlatform(t *testing.T, p *platform.Platform) {
	t.Helper()
	if fs := p.Faults(); len(fs) != 0 {
		t.Fatalf("the platform still holds %+v", fs)
	}
	last := map[string]results.EventKind{}
	for _, e := range p.Events() {
		if e.Kind == results.EventFaultInjected || e.Kind == results.EventFaultHealed {
			last[e.Region] = e.Kind
		}
	}
	if len(last) == 0 {
		t.Fatal("the platform saw no fault: the test injected nothing")
	}
	for region, k := range last {
		if k != results.EventFaultHealed {
			t.Errorf("the platform's last event for %s is %s, want fault-healed", region, k)
		}
	}
}

// readRun reads dir's stream and checks that it was closed with a trailer
// whose reason starts with want, and that report.json was written.
func readRun(t *testing.T, dir, want string) *results.Run {
	t.Helper()
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatalf("read stream: %v", err)
	}
	if run.Trailer == nil || !strings.HasPrefix(run.Trailer.Reason, want) {
		t.Fatalf("trailer %+v, want a reason starting %q", run.Trailer, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.json")); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	return run
}

// panicking is a progress writer that panics on the first live line written
// while a fault is in place.
type panicking struct{ hook func() }

func (w panicking) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte("\r")) {
		w.hook()
	}
	return len(p), nil
}

// TestPanicAnywhereHealsAndReports panics once inside each goroutine a run
// starts, while a fault is in place on the embedded platform, and checks
// that the run stops its traffic at once, that the platform's own state
// holds no fault, that the stream ends with an "error: panic" trailer, that
// report.json is written and that the error carries exit code 3.
func TestPanicAnywhereHealsAndReports(t *testing.T) {
	boom := func() { panic("boom") }
	cases := []struct {
		name, where string
		set         func(o *Options, f *faulted)
	}{
		{"driver", "the driver's ", func(o *Options, f *faulted) {
			hit := f.once(boom)
			o.hooks.outcome = func(*results.Outcome) { hit() }
		}},
		{"sample-loop", "the sink's sample loop", func(o *Options, f *faulted) { o.hooks.sample = f.once(boom) }},
		{"health", "the generator's health sampler", func(o *Options, f *faulted) { o.hooks.health = f.once(boom) }},
		{"recorder-ticker", "the results recorder's ticker", func(o *Options, f *faulted) {
			hit := f.once(boom)
			o.hooks.streamWrite = func([]byte) {
				if bytes.Contains(debug.Stack(), []byte("(*Recorder).loop")) {
					hit()
				}
			}
		}},
		{"progress", "the progress printer", func(o *Options, f *faulted) {
			o.Progress, o.Interactive = panicking{f.once(boom)}, true
		}},
		{"readback", "the RPO read-back", func(o *Options, f *faulted) { o.hooks.readback = f.once(boom) }},
		{"fault-schedule", "the fault schedule", func(o *Options, f *faulted) {
			hit := f.once(boom)
			o.hooks.emit = func(e results.Event) {
				if e.Kind == results.EventFaultInjected {
					hit()
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const dur = 30 * time.Second
			s := shortScenario(t, "default-failover", 100, dur, 300*time.Millisecond, 25*time.Second)
			f := &faulted{}
			dir := t.TempDir()
			o := Options{OutDir: dir, onPlatform: f.onPlatform, hooks: &hooks{}}
			tc.set(&o, f)
			_, err := Run(context.Background(), s, o)
			if exitcode.Code(err) != exitcode.Rig || !strings.Contains(err.Error(), "panic in "+tc.where) || !strings.Contains(err.Error(), "boom") {
				t.Fatalf("Run: %v (exit %d); want exit 3 naming the panic in %s", err, exitcode.Code(err), tc.where)
			}
			healedOnPlatform(t, f.p.Load())
			run := readRun(t, dir, "error: panic in "+tc.where)
			// The panic stopped the traffic: the run did not go on to its end.
			if ran := run.Trailer.Ended.Sub(run.Header.Started); ran >= dur {
				t.Errorf("the run went on for %v after the panic, its whole duration", ran)
			}
		})
	}
}

// TestWatchdogEndsAStalledRun stalls the driver (a request's outcome never
// returns to it) and checks that the watchdog stops the run once its bound
// has passed, heals, keeps the results and exits 3 saying why. Without the
// watchdog the run would wait for the driver for ever.
func TestWatchdogEndsAStalledRun(t *testing.T) {
	const (
		dur     = 3 * time.Second
		timeout = 500 * time.Millisecond
		slack   = time.Second
	)
	s := shortScenario(t, "default-failover", 100, dur, 300*time.Millisecond, 2500*time.Millisecond)
	s.Load.Timeout = timeout
	s.Load.Journeys = []scenario.Journey{{Name: "browse", Weight: 1, Steps: []string{"browse"}}}
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // the stalled goroutine ends with the test
	f := &faulted{}
	stall := f.once(func() { <-release })
	dir := t.TempDir()
	o := Options{OutDir: dir, onPlatform: f.onPlatform, slack: slack,
		hooks: &hooks{outcome: func(*results.Outcome) { stall() }}}
	type ran struct {
		err error
		at  time.Time
	}
	done := make(chan ran, 1)
	begin := time.Now()
	go func() {
		_, err := Run(context.Background(), s, o)
		done <- ran{err, time.Now()}
	}()
	// The bound: 3 s + one 500 ms step + 1 s slack, then 2.5 s of grace for
	// the driver; the heal and the read-back after it have their own clocks
	// (healSettle, readbackBudget); a minute is far beyond all of them.
	var r ran
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the stalled run did not end: no watchdog")
	}
	if exitcode.Code(r.err) != exitcode.Rig || !strings.Contains(r.err.Error(), "watchdog") {
		t.Fatalf("Run: %v (exit %d); want exit 3 from the watchdog", r.err, exitcode.Code(r.err))
	}
	healedOnPlatform(t, f.p.Load())
	run := readRun(t, dir, "error: watchdog")
	// The driver never returns, so the run waited out the bound and then the
	// grace (the timeout plus stopGrace) before it left the driver behind.
	if least := dur + timeout + slack + timeout + stopGrace; run.Trailer.Ended.Sub(begin) < least {
		t.Errorf("the stream was closed %v after the start, before the bound and the grace (%v)", run.Trailer.Ended.Sub(begin), least)
	}
	t.Logf("stalled run ended after %v (trailer at %v): %v", r.at.Sub(begin), run.Trailer.Ended.Sub(begin), r.err)
}

// TestInterruptHealsAndExits130 cancels the run (SIGINT) while a fault is in
// place: the traffic stops at once, the platform is healed, the stream says
// "interrupted" and the error carries 130, not the watchdog's or a panic's 3.
func TestInterruptHealsAndExits130(t *testing.T) {
	const dur = 30 * time.Second
	s := shortScenario(t, "default-failover", 100, dur, 300*time.Millisecond, 25*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &faulted{}
	dir := t.TempDir()
	interrupt := f.once(cancel)
	_, err := Run(ctx, s, Options{OutDir: dir, onPlatform: f.onPlatform, hooks: &hooks{sample: interrupt}})
	if exitcode.Code(err) != exitcode.Interrupted {
		t.Fatalf("Run: %v (exit %d); want 130", err, exitcode.Code(err))
	}
	healedOnPlatform(t, f.p.Load())
	run := readRun(t, dir, "interrupted")
	if ran := run.Trailer.Ended.Sub(run.Header.Started); ran >= dur {
		t.Errorf("the run went on for %v after the interrupt", ran)
	}
}
