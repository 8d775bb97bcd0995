package runner

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// LiveOptions turn on a run's control API, metrics and live page
// (internal/live). Nil Options.Live: none of them.
type LiveOptions struct {
	Addr      string        // the control API and GET /metrics; "" is 127.0.0.1 on a free port
	Token     string        // required on every request when set; needed off loopback
	Dashboard string        // the live page's own address; "" serves it on Addr only
	Refresh   time.Duration // how often objectives and the page are re-evaluated; 0 is live.DefaultRefresh
	OTLP      string        // an OTLP/HTTP endpoint to push the same metrics to; "" for none
}

// errAborted is the cause of a run stopped through POST /abort.
var errAborted = errors.New("aborted through the control API")

// liveRun is a run's control API while it lasts.
type liveRun struct {
	srv     *live.Server
	metrics *live.Metrics
	otlp    *live.OTLP
	stream  string
	refresh time.Duration
	abort   results.Event // set before the run's context is cancelled with errAborted

	mu     sync.Mutex
	marked map[string]*markedFault // by fault name: marked faults' read-back
}

// markedFault is a fault injected elsewhere and marked: its RPO read-back
// runs as for slocheck's own faults, from the marked injection to the
// marked heal.
type markedFault struct {
	rec    chaos.Record
	reader *faultReader // nil when the target has no read-back
}

// errK6Marks is why a k6 run takes no marks: its requests reach slocheck
// through k6's own stream, read only when k6 has ended, and the marked
// faults' events, RPO read-back and metrics are wired to the Go engine's
// recorder only.
var errK6Marks = errors.New("marks need the Go engine (engine: go): with engine k6 the requests are recorded by k6 in its own stream, " +
	"which slocheck reads only when k6 ends, and marking faults into a k6 run is not built")

// refuseMarks makes a k6 run's control API refuse marks (409), saying why.
func (l *liveRun) refuseMarks(s *scenario.Scenario) {
	if l != nil && s.Engine == scenario.EngineK6 {
		l.srv.RefuseMarks(errK6Marks.Error())
	}
}

// checkManual refuses a scenario with a manual fault when nothing can mark
// it: the run needs its control API and the Go engine.
func checkManual(s *scenario.Scenario, o *Options) error {
	for _, f := range s.Faults {
		if f.Injector == scenario.InjectorManual && s.Engine == scenario.EngineK6 {
			return exitcode.New(exitcode.Usage, fmt.Errorf("fault %q has injector manual: %w", f.Name, errK6Marks), "slocheck run --engine go")
		}
		if f.Injector == scenario.InjectorManual && o.Live == nil {
			return exitcode.New(exitcode.Usage, fmt.Errorf("fault %q has injector manual: it is measured from its marks, which need the control API", f.Name),
				"slocheck run --metrics-addr 127.0.0.1:9464, then slocheck mark DIR --fault "+f.Name+" --phase injected|healed")
		}
	}
	return nil
}

// unmarked notes each manual fault of s that was never marked: nothing was
// measured for it.
func (l *liveRun) unmarked(s *scenario.Scenario, emit func(results.Event)) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range s.Faults {
		if _, ok := l.marked[f.Name]; f.Injector == scenario.InjectorManual && !ok {
			emit(results.Event{Time: time.Now(), Kind: results.EventNote, Fault: f.Name,
				Detail: fmt.Sprintf("fault %s (injector manual) was never marked injected: nothing was measured for it", f.Name)})
		}
	}
}

// startLive starts the control API before the platform and the traffic;
// POST /abort cancels the run with errAborted, which then ends as Ctrl-C
// does (faults healed, results kept, reports written, exit 130).
func startLive(o *Options, s *scenario.Scenario, cancel context.CancelCauseFunc) (*liveRun, error) {
	if o.Live == nil {
		return nil, nil
	}
	m := live.NewMetrics(s.Load.Timeout)
	l := &liveRun{metrics: m, stream: filepath.Join(o.OutDir, results.FileName), refresh: o.Live.Refresh}
	srv, err := live.Start(live.Config{Addr: o.Live.Addr, Token: o.Live.Token, Dashboard: o.Live.Dashboard,
		Abort: func(by string) {
			fmt.Fprintf(o.Log, "abort requested through the control API by %s: healing every fault\n", by)
			l.abort = results.Event{Time: time.Now(), Kind: results.EventAbort, Detail: "through the control API (POST /abort from " + by + ")"}
			cancel(errAborted)
		}}, m)
	if err != nil {
		if errors.Is(err, live.ErrToken) {
			return nil, exitcode.New(exitcode.Usage, err, "slocheck run --metrics-addr 127.0.0.1:9464, or set "+live.TokenEnv)
		}
		return nil, exitcode.New(exitcode.Rig, err, "choose another --metrics-addr")
	}
	l.srv = srv
	if o.Live.OTLP != "" {
		if l.otlp, err = live.StartOTLP(context.Background(), o.Live.OTLP, m, 0, nil, o.Getenv, o.Log); err != nil {
			_ = srv.Close()
			return nil, exitcode.New(exitcode.Usage, err, "slocheck run --otlp-endpoint http://127.0.0.1:4318")
		}
	}
	return l, nil
}

// m is the run's live metrics, nil without a control API.
func (l *liveRun) m() *live.Metrics {
	if l == nil {
		return nil
	}
	return l.metrics
}

// recorderOptions hand the live metrics every interval of the stream as the
// recorder writes it: requests, failures and latency cost nothing per request.
func (l *liveRun) recorderOptions() []results.Option {
	if l == nil {
		return nil
	}
	return []results.Option{results.WithIntervalObserver(l.metrics.Interval)}
}

// sendLags hands the live metrics each interval's send lags from the health
// sampler; nil without a control API.
func (l *liveRun) sendLags() func(iter.Seq2[time.Duration, uint64]) {
	if l == nil {
		return nil
	}
	return l.metrics.SendLags
}

// buckets yields the interval's send lag buckets, by upper bound.
func (st *lagStats) buckets(yield func(time.Duration, uint64) bool) {
	for i, n := range st.counts {
		if !yield(lagUpper(i), n) {
			return
		}
	}
}

// withMetrics hands every outcome to m too, for its RTO estimates.
func withMetrics(m *live.Metrics) sinkOption { return func(s *sink) { s.metrics = m } }

// announce writes control.json once the target is known.
func (l *liveRun) announce(o *Options, tgt *target) error {
	if l == nil {
		return nil
	}
	if err := l.srv.WriteControl(o.OutDir, tgt.admin); err != nil {
		return exitcode.New(exitcode.Rig, err, "")
	}
	fmt.Fprintf(o.Log, "control API: %s (GET /metrics, POST /marks, POST /abort); `slocheck abort %s` stops the run\n", l.srv.URL(), o.OutDir)
	if u := l.srv.DashboardURL(); u != "" && o.Live.Token != "" {
		fmt.Fprintf(o.Log, "live page: %s (open it once as %s?token=<the run's %s>)\n", u, u, live.TokenEnv)
	} else if u != "" {
		fmt.Fprintf(o.Log, "live page: %s\n", u)
	}
	return nil
}

// attach takes marks into the stream through emit from now on (and reads
// back a marked fault's writes through rb) and follows the stream for the
// objectives and the live page until stop is called.
func (l *liveRun) attach(ctx context.Context, s *scenario.Scenario, tgt *target, start time.Time, rb *readbacker, emit func(results.Event)) (stop func()) {
	if l == nil {
		return func() {}
	}
	var reserved []string
	for _, f := range s.Faults {
		if f.Injector != scenario.InjectorManual {
			reserved = append(reserved, f.Name)
		}
	}
	l.srv.Attach(live.RunInfo{Started: start, Regions: tgt.regions, Reserved: reserved, Emit: func(e results.Event) {
		emit(e)
		l.readBack(ctx, rb, e)
	}})
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.srv.Follow(fctx, l.stream, l.refresh)
	}()
	return func() {
		l.srv.Detach()
		cancel()
		<-done
	}
}

// readBack starts a marked fault's read-back at its injection mark and tells
// it of the heal mark (the reader never delays anything: marks return at once).
func (l *liveRun) readBack(ctx context.Context, rb *readbacker, e results.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.marked == nil {
		l.marked = map[string]*markedFault{}
	}
	switch e.Kind {
	case results.EventFaultInjected:
		mf := &markedFault{rec: chaos.Record{Spec: chaos.Spec{Name: e.Fault, Target: e.Target, Mode: e.Mode}, Injected: e.Time}}
		if rb.tgt.readback != "" && rb.survivor(e.Target) != "" {
			mf.reader = rb.start(ctx, e.Fault, e.Target, e.Time)
		}
		l.marked[e.Fault] = mf
	case results.EventFaultHealed:
		if mf := l.marked[e.Fault]; mf != nil {
			mf.rec.Healed = e.Time
			if mf.reader != nil {
				mf.reader.healing(e.Time)
			}
		}
	}
}

// markedRecords are the marked faults, for the read-back after the heals.
func (l *liveRun) markedRecords() []chaos.Record {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []chaos.Record
	for _, mf := range l.marked {
		out = append(out, mf.rec)
	}
	return out
}

// show puts the final report (ev's, else the stream's as it stands) on the
// live page and in the metrics, and writes the metrics' final values into
// the run directory.
func (l *liveRun) show(o *Options, ev *Evaluated) {
	if l == nil {
		return
	}
	if ev != nil && ev.Report != nil {
		l.srv.Show(ev.Report)
	} else {
		l.srv.Refresh(l.stream)
	}
	if err := l.metrics.WriteFile(filepath.Join(o.OutDir, live.FinalFile)); err != nil {
		fmt.Fprintf(o.Log, "warning: write %s: %v\n", live.FinalFile, err)
	}
}

func (l *liveRun) close() {
	if l == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.otlp.Shutdown(ctx) // the final values; a collector that is away costs at most the timeout
	_ = l.srv.Close()
}

// abortEvent is the abort's event for the stream when ctx was cancelled
// through POST /abort.
func (l *liveRun) abortEvent(ctx context.Context) (results.Event, bool) {
	if l == nil || !errors.Is(context.Cause(ctx), errAborted) {
		return results.Event{}, false
	}
	return l.abort, true
}

// interrupted is the error of a run whose context ended: an abort through
// the control API or a signal. Both end the stream "interrupted" and exit 130.
func interrupted(ctx context.Context, dir string) error {
	how := "interrupted"
	if errors.Is(context.Cause(ctx), errAborted) {
		how = "aborted through the control API"
	}
	return exitcode.New(exitcode.Interrupted, errors.New(how+": faults healed, partial results kept in "+dir), "")
}
