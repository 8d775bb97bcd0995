// Package runner runs one scenario end to end with the Go driver: it starts
// the embedded platform (or checks that the real target answers), records
// every request into the results stream as it goes, runs the fault schedule
// with a heal guaranteed on every way out, reads acknowledged writes back for
// the RPO, and turns the stream into the reports.
//
// The reports are always rebuilt from the stream on disk (Evaluate), exactly
// as `slocheck report DIR` does, so the two can never disagree.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// Options configure a run.
type Options struct {
	OutDir            string              // the run directory; created if missing
	Progress          io.Writer           // where progress goes; nil for none
	Interactive       bool                // a live line rewritten in place, rather than a log line every few seconds
	Log               io.Writer           // injector output and notes; nil discards
	Getenv            func(string) string // the environment, for injectors' secrets
	InconclusiveFails bool                // exit 98 when the verdict is INCONCLUSIVE
	Formats           []string            // report formats; nil means report.DefaultFormats
	Version           string              // slocheck's version, for the stream header
	K6                string              // engine k6: the k6 binary with the slocheck extension; "" finds bin/k6 (FindK6)
	Role              Role                // this process's part in a run shared by several (roles.go); zero: all of it
	Labels            map[string]string   // the run's labels (run --label k=v), into the stream header
	Live              *LiveOptions        // the control API, metrics and live page (live.go); nil for none

	onPlatform func(*platform.Platform) // tests: sees the embedded platform before traffic starts
	tune       func(*platform.Config)   // tests: changes the embedded platform's config before it starts (service times)
	k6Args     []string                 // tests: more `k6 run` arguments (another --out)
	hooks      *hooks                   // tests: code run inside the run's goroutines
	holdSends  time.Duration            // tests: driver.Config.HoldSends, the generator late on purpose
	slack      time.Duration            // tests: the watchdog's slack; 0 means watchdogSlack
	creds      *credentials             // set by Run: the steps' secret headers and the bearer token (auth.go)
	live       *liveRun                 // set by Run: the control API while the run lasts; nil without Live
}

// Result is what a run produced.
type Result struct {
	Dir    string     // the run directory
	Eval   *Evaluated // the evaluated stream and the files written from it
	Stats  driver.Stats
	Faults []chaos.Record
}

// Run runs s. Its error carries the exit code of DESIGN.md §6 when the run
// could not produce a verdict to trust (2 wrong input, 3 rig failure, 130
// interrupted); otherwise the verdict's code is in Result.Eval.Report.ExitCode.
// Whatever happens, injected faults are healed and the stream gathered so far
// is kept, and reports are written from it when it holds anything.
func Run(ctx context.Context, s *scenario.Scenario, o Options) (*Result, error) {
	if s.Engine != scenario.EngineGo && s.Engine != scenario.EngineK6 {
		return nil, exitcode.New(exitcode.Usage, fmt.Errorf("engine %q: want go or k6", s.Engine), "slocheck run --engine go")
	}
	if err := o.Role.check(s); err != nil {
		return nil, err
	}
	if s.Engine == scenario.EngineK6 {
		if o.Role.shared() {
			return nil, exitcode.New(exitcode.Usage, errors.New("--role and --start-at need engine go: k6 runners share a run through --out slocheck and `slocheck merge`"), "")
		}
		if _, err := FindK6(o.K6); err != nil { // before the platform starts
			return nil, err
		}
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, exitcode.New(exitcode.Rig, fmt.Errorf("create run directory: %w", err), "")
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	creds, err := newCredentials(ctx, s, o.Getenv) // secrets and the bearer token, before anything starts (auth.go)
	if err != nil {
		return nil, err
	}
	defer creds.close()
	o.creds = creds
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := checkManual(s, &o); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx) // POST /abort cancels with errAborted
	defer cancel(nil)
	if o.live, err = startLive(&o, s, cancel); err != nil {
		return nil, err
	}
	defer o.live.close()
	// The embedded platform lives until Run returns (tgt.Close), not until
	// ctx is cancelled: an interrupted run still heals its faults through it.
	tgt, err := openTarget(context.WithoutCancel(ctx), s, creds.targetHeaders(), o.tune)
	if err != nil {
		return nil, err
	}
	defer tgt.Close()
	if err = tgt.openCosmos(s, o.Getenv, o.OutDir); err != nil { // cosmos.go
		return nil, err
	}
	o.live.refuseMarks(s)
	if err := o.live.announce(&o, tgt); err != nil {
		return nil, err
	}
	if o.onPlatform != nil && tgt.platform != nil {
		o.onPlatform(tgt.platform)
	}
	res := &Result{Dir: o.OutDir}
	var runErr error
	if s.Engine == scenario.EngineK6 {
		runErr = executeK6(ctx, s, tgt, o, res) // k6.go
	} else {
		runErr = execute(ctx, s, tgt, o, res)
	}
	if runErr == nil {
		runErr = tgt.cosmosErr() // the companion holding target.cosmos died during the run
	}
	ev, evalErr := Evaluate(o.OutDir, o.Formats, o.InconclusiveFails)
	res.Eval = ev
	o.live.show(&o, ev)
	if runErr != nil {
		return res, runErr
	}
	if evalErr != nil {
		return res, exitcode.New(exitcode.Rig, evalErr, "")
	}
	return res, nil
}

// execute records traffic and faults into the run directory's stream.
func execute(ctx context.Context, s *scenario.Scenario, tgt *target, o Options, res *Result) (err error) {
	start, err := o.Role.waitStart(ctx) // now, or the shared --start-at
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(o.OutDir, results.FileName))
	if err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("create results stream: %w", err), "")
	}
	defer f.Close()
	h := header(s, tgt, start, o.Version)
	o.Role.header(&h)
	h.Labels = o.Labels
	h.Targets.InconclusiveFails = o.InconclusiveFails
	dcfg := driverConfig(s, tgt, o)
	tr := newTraffic(ctx, dcfg, start, o)
	tr.load = o.Role.load()
	defer tr.stop()
	hk := o.hooks
	if hk == nil {
		hk = &hooks{}
	}
	rec, err := results.NewRecorder(h, streamWriter(f, hk), append(o.live.recorderOptions(), results.WithPanicHandler(tr.g.handler("the results recorder's ticker")))...)
	if err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("start results stream: %w", err), "")
	}
	hs := startHealth(rec, healthConfig{Start: start, Interval: h.Interval.Std(), Timeout: s.Load.Timeout, Generator: h.Generator,
		Overshoot: tgt.overshoot(), OnPanic: tr.g.handler("the generator's health sampler"), hook: hk.health, SendLags: o.live.sendLags()})
	defer hs.stop()
	sk := newSink(rec, withHealth(hs), withPanicHandler(tr.g.handler("the sink's sample loop")), withHooks(hk), withMetrics(o.live.m()),
		withoutSamples(len(s.Faults) == 0)) // the samples serve the faults' stop conditions
	defer sk.stop()
	rb := newReadbacker(tgt, sk, rec)
	rb.onPanic, rb.hook = tr.g.handler("the RPO read-back"), hk.readback
	stopLag := func() {}
	if o.Role.Name != results.RoleGenerator { // one lag probe a run: the conductor's, or the one process's
		stopLag = startLagProbe(ctx, s, tgt, rec, tr.g.handler("the lag probe"), hk.lag) // lagprobe.go
	}
	defer stopLag()
	prog := newProgress(o.Progress, o.Interactive, s.Load.Duration, rec)
	prog.onPanic = tr.g.handler("the progress printer")
	stopWatching := sync.OnceFunc(func() { prog.stop(); hs.stop() })
	sched, err := o.Role.schedule(s, tgt, rb, chaos.Env{RunDir: o.OutDir, Getenv: o.Getenv, Stdout: o.Log, Stderr: o.Log})
	if err != nil {
		_ = rec.Close(results.Trailer{Ended: time.Now(), Reason: "error: " + err.Error()})
		return err
	}
	emit := func(e results.Event) {
		if hk.emit != nil {
			hk.emit(e)
		}
		if o.Role.records(e) {
			rec.RecordEvent(e)
		}
		prog.event(e)
		o.live.m().Event(e)
	}
	cr, err := chaos.NewRunner(sched, chaos.Options{
		RunDir:       o.Role.stateDir(o.OutDir),
		Env:          chaos.Env{RunDir: o.OutDir, Getenv: o.Getenv, Stdout: o.Log, Stderr: o.Log},
		Emit:         emit,
		FailureRatio: sk.failureRatio,
		BudgetShare:  func(since time.Time) float64 { return sk.budgetBurn(since) / slo.ErrorBudget(h.Targets.Availability) },
		OnPanic:      tr.g.handler("the fault schedule"),
	})
	if err != nil {
		_ = rec.Close(results.Trailer{Ended: time.Now(), Reason: "error: " + err.Error()})
		return err
	}
	stopLive := o.live.attach(ctx, s, tgt, start, rb, emit) // marks become events from here on
	closed := false
	finish := func(reason string) {
		if closed {
			return
		}
		closed = true
		stopLive()
		o.live.unmarked(s, emit)
		if e, ok := o.live.abortEvent(ctx); ok {
			emit(e)
		}
		healErr := cr.HealAll(ctx)
		res.Faults = cr.Records()
		rb.afterHeal(ctx, append(slices.Clone(res.Faults), o.live.markedRecords()...))
		stopLag()
		for _, e := range tgt.events() {
			rec.RecordEvent(e)
		}
		if healErr != nil {
			reason = "error: " + healErr.Error()
			err = exitcode.New(exitcode.Rig, healErr, "check the fault by hand; `slocheck heal "+o.OutDir+"` retries the heal")
		}
		live := rec.Counts()
		if cerr := rec.Close(results.Trailer{Ended: time.Now(), Reason: reason, Requests: live.Requests}); cerr != nil && err == nil {
			err = exitcode.New(exitcode.Rig, fmt.Errorf("close results stream: %w", cerr), "")
		}
	}
	defer func() {
		if p := recover(); p != nil { // the run's own goroutine: heal, keep the results, exit 3
			tr.g.panicked("the run", p, debug.Stack())
			stopWatching()
			err = tr.g.Err()
			finish("error: " + err.Error())
		}
	}()
	prog.start()
	res.Stats, err = drive(ctx, tr, dcfg, sk, cr, start)
	stopWatching()
	reason := "completed"
	switch {
	case err != nil:
		reason = "error: " + err.Error()
	case ctx.Err() != nil:
		reason = "interrupted"
		err = interrupted(ctx, o.OutDir)
	}
	finish(reason)
	return err
}

func header(s *scenario.Scenario, tgt *target, start time.Time, version string) results.Header {
	h := results.Header{
		Schema:        results.Schema,
		Scenario:      s.Name,
		Engine:        s.Engine,
		Target:        tgt.name,
		Started:       start,
		Interval:      results.Duration(time.Second),
		Regions:       tgt.regions,
		ClientRegions: s.ClientRegions(),
		Steps:         s.StepsUsed(),
		WriteSteps:    s.WriteSteps(),
		Targets:       s.Targets(),
		Versions:      map[string]string{"slocheck": version},
	}
	h.Targets.ReadbackLookback = results.Duration(readbackLookback)
	return h
}

func driverConfig(s *scenario.Scenario, tgt *target, o Options) driver.Config {
	c := driver.Config{
		HoldSends:      o.holdSends,
		Products:       platform.CatalogSize, // the reference shop's: every product step finds its product
		Targets:        tgt.edges,
		Weights:        s.Load.ClientRegions,
		Rate:           s.Load.Rate,
		Duration:       s.Load.Duration,
		Timeout:        s.Load.Timeout,
		MaxWorkers:     s.Load.MaxWorkers,
		Seed:           s.Platform.Seed,
		ServedByHeader: tgt.servedBy,
		NoCookies:      !s.Load.Cookies,
	}
	o.creds.apply(&c)
	o.Role.driver(&c, s)
	for _, st := range s.Load.Ramp {
		c.Stages = append(c.Stages, driver.Stage{Duration: st.Duration, Rate: st.Rate})
	}
	for _, j := range s.Load.Journeys {
		c.Journeys = append(c.Journeys, driver.Journey{Name: j.Name, Weight: j.Weight, ThinkTime: j.ThinkTime, Steps: j.Steps})
	}
	return c
}
