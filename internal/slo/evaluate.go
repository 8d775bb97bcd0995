package slo

import (
	"sort"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/results"
)

// Options change how a run is judged.
type Options struct {
	// InconclusiveFails makes an INCONCLUSIVE run exit with 98 (slocheck run
	// --inconclusive-fails). Without it an INCONCLUSIVE run exits 0 and
	// report.json says INCONCLUSIVE.
	InconclusiveFails bool
}

// The exit codes of DESIGN.md §6 that a verdict maps to (the same values as
// internal/exitcode, which slo may not import: it imports only results).
const (
	exitOK           = 0
	exitRig          = 3
	exitInconclusive = 98
	exitFailed       = 99
	exitInterrupted  = 130
)

// group accumulates one scope's requests (all, a client region, a step).
type group struct {
	requests, failures, dropped uint64
	servedBy                    map[string]uint64
	kinds                       [results.NumErrorKinds]uint64 // requests by error kind
	tooSlow                     uint64
	latency                     *hdrhistogram.Histogram
	has                         func(*results.Interval) bool // the scope's intervals
}

// failuresByKind is the group's failures by kind name (results.ErrorKind's
// String, "too-slow" for answers after the timeout); nil when none failed.
func (g *group) failuresByKind() map[string]uint64 {
	var out map[string]uint64
	add := func(name string, n uint64) {
		if n > 0 {
			if out == nil {
				out = map[string]uint64{}
			}
			out[name] = n
		}
	}
	for k, n := range g.kinds {
		if results.ErrorKind(k).Failed() {
			add(results.ErrorKind(k).String(), n)
		}
	}
	add(TooSlowKind, g.tooSlow)
	return out
}

// TooSlowKind names, in FailuresByKind, the answers slower than the timeout.
const TooSlowKind = "too-slow"

// newGroup's latencies range up to highest µs (runLatencyHighest).
func newGroup(highest int64, has func(*results.Interval) bool) *group {
	return &group{servedBy: map[string]uint64{}, latency: newLatencyHistogram(highest), has: has}
}

func (g *group) add(iv *results.Interval, latency bool) {
	g.requests += iv.Requests()
	g.failures += iv.Failures()
	g.dropped += iv.Counts[results.ErrDropped]
	for k, n := range iv.Counts {
		g.kinds[k] += n
	}
	g.tooSlow += min(iv.TooSlow, iv.Counts[results.ErrNone])
	for r, n := range iv.ServedBy {
		g.servedBy[r] += n
	}
	if latency {
		iv.AddLatencyTo(g.latency)
	}
}

// evaluation is one Evaluate call's state.
type evaluation struct {
	run        *results.Run
	targets    results.Targets
	start, end time.Time
	interval   time.Duration
	slots      int
	latHigh    int64    // the largest latency the run holds, µs (latgeom.go)
	regions    []string // client regions
	steps      []string
	faults     []Fault
	steady     []Window

	all      *group
	byRegion map[string]*group
	byStep   map[string]*group
	series   Series              // all client regions, per interval
	traffic  map[string]*Traffic // per client region; "" is all of them
	timeline []Point
	col      map[string]int // a client region's place among a slot's timeline points
	failEnds []time.Time    // every failed request's end (results.Failure.Time), in time order
	late     Lateness       // the generator's own lateness (its health records)
	health   []slotHealth   // per slot: the generator's health, generator-late or not (markLate)
	dropsIn  []uint64       // per slot: dropped requests, all client regions
	// ownLag counts per client region ("" for all) and slot the failures a
	// late generator causes itself (ownLagKind); excused is the traffic of
	// all client regions less those of generator-late slots, once computed.
	ownLag  map[string][]uint64
	excused *Traffic
	// failedIn counts the failed requests per client region and slot by the
	// intervals' counts, which hold every failure even where the stream kept
	// fewer records (results.MaxFailuresPerInterval).
	failedIn map[string][]uint64

	each  func(func(*results.Interval) error) error // a pass over the interval records (Stream.Again)
	facts *ivFacts                                  // what the first pass learnt of them
	err   error                                     // the first error of a later pass (each)
}

// Evaluate judges a run by the definitions of DESIGN.md §2 and returns the
// report.json model of §8. It reads run and never changes it.
func Evaluate(run *results.Run, opt Options) Report {
	e := newEvaluation(run)
	e.aggregate()
	r, _ := e.report(opt) // a Run in memory gives no error
	return r
}

// report judges the aggregated run: Evaluate's and EvaluateStream's one
// judgement. The error is a later pass's over the stream (e.err).
func (e *evaluation) report(opt Options) (Report, error) {
	run := e.run
	r := Report{
		Schema: Schema, Scenario: run.Header.Scenario, Engine: run.Header.Engine, Target: run.Header.Target,
		Labels: run.Header.Labels, Started: e.start, DurationS: e.end.Sub(e.start).Seconds(),
		Requests: e.all.requests, Failures: e.all.failures, Successes: e.all.requests - e.all.failures,
		Dropped: e.all.dropped, FailuresByKind: e.all.failuresByKind(), Regions: e.summaries(e.regions, e.byRegion), Steps: e.summaries(e.steps, e.byStep),
		Timeline: e.timeline, Complete: run.Trailer != nil, Faults: []FaultSummary{},
	}
	r.Objectives = e.latencyObjectives()
	r.Objectives = append(r.Objectives, e.latencyWithinObjectives()...)
	r.Objectives = append(r.Objectives, e.availabilityObjectives()...)
	var fobj []Objective
	for _, f := range e.faults {
		fs, objs := e.fault(f)
		r.Faults = append(r.Faults, fs)
		fobj = append(fobj, objs...)
	}
	r.Objectives = append(r.Objectives, worstOf(fobj, "rto", e.targets.RTO.Std())...)
	r.Objectives = append(r.Objectives, worstOf(fobj, "rpo", e.targets.RPO.Std())...)
	r.Objectives = append(r.Objectives, fobj...)
	r.Objectives = append(r.Objectives, e.infoObjectives()...)
	r.Objectives = append(r.Objectives, thresholdObjectives(run.Thresholds)...)
	fillReasons(r.Objectives)
	r.Notes = append(e.notes(), e.healthNotes()...)
	r.Merge, r.Notes = run.Header.Merge, append(r.Notes, mergeNotes(run.Header.Merge)...)
	r.ReplicationLag, r.LagTimeline = LagSummaries(run.Lags), LagTimeline(run.Lags, e.start, e.interval) // lag.go
	r.Probes = probes(run.Events, e.start)
	r.Verdict, r.ExitCode = decide(r.Objectives, e.mustFail(), opt)
	r.ExitCode = e.processExit(r.ExitCode)
	return r, e.err
}

// newEvaluation is the evaluation of a Run in memory.
func newEvaluation(run *results.Run) *evaluation {
	var f ivFacts
	src := runStream{run}
	_, _ = src.First(f.add)
	return streamEvaluation(run, &f, src.Again)
}

// streamEvaluation is the evaluation of run (without its intervals: they are
// each's), f what the first pass learnt of its intervals.
func streamEvaluation(run *results.Run, f *ivFacts, each func(func(*results.Interval) error) error) *evaluation {
	high := max(f.latHigh, minLatencyHighest)
	e := &evaluation{run: run, targets: FillDefaults(run.Header.Targets), start: run.Header.Started, latHigh: high,
		interval: run.Header.Interval.Std(), all: newGroup(high, func(*results.Interval) bool { return true }), byRegion: map[string]*group{},
		byStep: map[string]*group{}, traffic: map[string]*Traffic{}, each: each, facts: f}
	if e.interval <= 0 {
		e.interval = time.Second
	}
	if e.start.IsZero() && f.n > 0 {
		e.start = f.first
	}
	if f.n > 0 {
		e.slots = e.slot(f.end) + 1
	}
	e.regions, e.steps = f.scopes(&run.Header)
	e.end = e.start.Add(time.Duration(e.slots) * e.interval)
	if run.Trailer != nil && run.Trailer.Ended.After(e.end) {
		e.end = run.Trailer.Ended
	}
	e.faults = Faults(run.Events)
	e.late = GeneratorLateness(run.Health)
	e.readHealth()
	e.steady = SteadySpans(Window{e.start, e.end}, e.faults, e.targets.Timeout.Std(), e.targets.Recovery.Std(), e.interval)
	return e
}

func (e *evaluation) slot(t time.Time) int {
	return max(0, int(t.Sub(e.start)/e.interval))
}

// FillDefaults fills the zero fields of t from results.DefaultTargets, as
// Evaluate judges a run (a planner sizing a run must read its targets so).
func FillDefaults(t results.Targets) results.Targets {
	d := results.DefaultTargets()
	pick := func(v, def results.Duration) results.Duration {
		if v <= 0 {
			return def
		}
		return v
	}
	t.P99, t.RTO, t.RPO = pick(t.P99, d.P99), pick(t.RTO, d.RTO), pick(t.RPO, d.RPO)
	t.Timeout, t.StabilityWindow = pick(t.Timeout, d.Timeout), pick(t.StabilityWindow, d.StabilityWindow)
	t.Recovery = pick(t.Recovery, d.Recovery)
	if t.Availability <= 0 {
		t.Availability = d.Availability
	}
	if t.BudgetShare <= 0 {
		t.BudgetShare = d.BudgetShare
	}
	if t.Quantile <= 0 || t.Quantile >= 1 {
		t.Quantile = d.Quantile
	}
	return t
}

func appendNew(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// addFailures files the failed requests' intended starts per client region,
// in time order, for RTO, and their ends for the fault summaries.
func (e *evaluation) addFailures() {
	for _, f := range e.run.Failures {
		e.failEnds = append(e.failEnds, f.Time)
	}
	sortTimes(e.failEnds)
	for r, starts := range e.failureStarts(func(*results.Failure) bool { return true }, e.failedIn) {
		e.traffic[r].Failures = starts
	}
}

// failureStarts returns the intended starts of the failures keep accepts,
// per client region ("" for all of them), in time order. counted[r][s] is
// how many such failures the intervals of client region r and slot s
// counted: where the stream kept fewer records (results.MaxFailuresPerInterval),
// the interval is taken as failing to its end (its last instant is added).
func (e *evaluation) failureStarts(keep func(*results.Failure) bool, counted map[string][]uint64) map[string][]time.Time {
	out := map[string][]time.Time{"": nil}
	kept := map[string][]uint64{}
	for r := range counted {
		kept[r], out[r] = make([]uint64, e.slots), nil
	}
	for i := range e.run.Failures {
		f := &e.run.Failures[i]
		if !keep(f) {
			continue
		}
		at := intendedOf(f)
		out[""] = append(out[""], at)
		if _, ok := kept[f.ClientRegion]; ok {
			out[f.ClientRegion] = append(out[f.ClientRegion], at)
			if s := e.slot(at); s < e.slots {
				kept[f.ClientRegion][s]++
			}
		}
	}
	for r, counts := range counted {
		for s, n := range counts {
			if n > kept[r][s] {
				last := e.start.Add(time.Duration(s+1)*e.interval - 1)
				out[r] = append(out[r], last)
				out[""] = append(out[""], last)
			}
		}
	}
	for _, ts := range out {
		sortTimes(ts)
	}
	return out
}

// intendedOf is a failure's intended start (its end when the stream has none).
func intendedOf(f *results.Failure) time.Time {
	if f.Intended.IsZero() {
		return f.Time
	}
	return f.Intended
}

func sortTimes(ts []time.Time) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
}
func f64(v float64) *float64 { return &v }
