// Package output is the k6 output `slocheck` (`k6 run --out slocheck=PATH`):
// it writes the samples of a k6 run into slocheck's results stream
// (DESIGN.md §3), so that `slocheck report` and the SLO evaluation read a k6
// run exactly as they read one of the Go driver.
//
// What goes in: every http_req_duration sample becomes one request outcome
// (client region and step from the client_region and step tags, kind from
// status and error_code), each dropped iteration becomes dropped requests,
// and the JS module's acknowledged writes and fault events become records of
// their own. Outcomes go into the recorder of results, which keeps
// per-interval, per-client-region, per-step histograms and writes each
// interval shortly after it ends, so the stream on disk is never more than an
// interval behind and a crash loses at most the last one.
//
// AddMetricSamples only appends to a buffer (output.SampleBuffer); a
// PeriodicFlusher converts and records the buffer every 100 ms.
//
// PATH is a file (ending in .stream) or a directory, which gets
// results.stream; "{segment}" in it stands for the instance's execution
// segment, so that each runner of a distributed test (k6-operator) writes
// its own stream for `slocheck merge` (segment.go). The stream header comes from the SLOCHECK_HEADER
// environment variable (a JSON results.Header; `slocheck run --engine k6`
// sets it) with defaults for what it leaves out. Unless the header fixes its
// start, the stream starts at the intended start of the first request, so
// its timeline (and a fault schedule laid on it) begins with the traffic,
// not with k6's initialisation.
package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"go.k6.io/k6/errext"
	"go.k6.io/k6/metrics"
	k6output "go.k6.io/k6/output"

	"github.com/slocheck/slocheck/extensions/internal/bridge"
	"github.com/slocheck/slocheck/results"
)

// Name is the output's name: `--out slocheck=PATH`.
const Name = "slocheck"

// EnvHeader is the environment variable holding the stream header as JSON.
const EnvHeader = "SLOCHECK_HEADER"

// Generator is the header's Generator of streams this output writes.
const Generator = "k6"

const (
	flushPeriod = 100 * time.Millisecond
	// flushLag: an interval is written this long after it ends. Samples
	// reach the output up to ~150 ms after their request ended (k6 hands
	// them over every 50 ms, the flusher runs every 100 ms), and requests
	// still in flight at the interval's end belong to it.
	flushLag = 500 * time.Millisecond
)

var (
	_ k6output.WithStopWithTestError = (*Output)(nil)
	_ k6output.WithBuiltinMetrics    = (*Output)(nil)
)

// Output is the `slocheck` k6 output.
type Output struct {
	k6output.SampleBuffer

	path   string
	header results.Header
	logger logrus.FieldLogger
	conv   bridge.Converter
	wrap   func(io.Writer) io.Writer // tests: wraps the file
	now    func() time.Time

	httpDuration, dropped *metrics.Metric
	flusher               *k6output.PeriodicFlusher

	// Owned by the flush goroutine, then by Stop once the flusher stopped.
	file     *os.File
	rec      *results.Recorder
	out      results.Outcome
	writes   []results.AckedWrite // before the recorder exists
	events   []results.Event
	warned   map[string]bool
	stopOnce bool
}

// New is the output's constructor for k6 (output.RegisterExtension).
func New(p k6output.Params) (k6output.Output, error) {
	h, err := headerFrom(p)
	if err != nil {
		return nil, err
	}
	path := p.ConfigArgument
	if path == "" {
		return nil, errors.New("slocheck output: give a path: --out slocheck=DIR or --out slocheck=FILE.stream")
	}
	if h.Segment == "" {
		h.Segment = segmentOf(p) // segment.go
	}
	path = segmentPath(path, h.Segment)
	if !strings.HasSuffix(path, ".stream") {
		path = filepath.Join(path, results.FileName)
	}
	o := &Output{path: path, header: h, logger: p.Logger, now: time.Now, warned: map[string]bool{}}
	if o.logger == nil {
		o.logger = logrus.New()
	}
	o.logger = o.logger.WithField("output", Name)
	o.conv.Scenarios = scenarios(p)
	if len(o.header.ClientRegions) == 0 {
		for _, sc := range o.conv.Scenarios {
			if !slices.Contains(o.header.ClientRegions, sc.ClientRegion) {
				o.header.ClientRegions = append(o.header.ClientRegions, sc.ClientRegion)
			}
		}
		slices.Sort(o.header.ClientRegions)
	}
	return o, nil
}

// headerFrom reads SLOCHECK_HEADER and fills what it leaves out.
func headerFrom(p k6output.Params) (results.Header, error) {
	var h results.Header
	if raw := p.Environment[EnvHeader]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &h); err != nil {
			return h, fmt.Errorf("slocheck output: %s: %w", EnvHeader, err)
		}
	}
	if h.Engine == "" {
		h.Engine = "k6"
	}
	if h.Scenario == "" && p.ScriptPath != nil {
		h.Scenario = strings.TrimSuffix(filepath.Base(p.ScriptPath.Path), filepath.Ext(p.ScriptPath.Path))
	}
	if h.Generator == "" {
		h.Generator = Generator
	}
	if h.Targets == (results.Targets{}) {
		h.Targets = results.DefaultTargets()
	}
	if h.Versions == nil {
		h.Versions = map[string]string{}
	}
	if _, ok := h.Versions["k6"]; !ok {
		h.Versions["k6"] = k6Version()
	}
	return h, nil
}

// scenarios maps each k6 scenario of the script's options to its client
// region and steps.
func scenarios(p k6output.Params) map[string]bridge.Scenario {
	out := map[string]bridge.Scenario{}
	for name, sc := range p.ScriptOptions.Scenarios {
		out[name] = bridge.ScenarioOf(name, sc.GetTags(), sc.GetEnv())
	}
	return out
}

func k6Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "go.k6.io/k6" {
				return d.Version
			}
		}
	}
	return "unknown"
}

// Description is shown by `k6 run`.
func (o *Output) Description() string { return fmt.Sprintf("%s (%s)", Name, o.path) }

// SetBuiltinMetrics keeps the metrics the output converts.
func (o *Output) SetBuiltinMetrics(bm *metrics.BuiltinMetrics) {
	o.httpDuration, o.dropped = bm.HTTPReqDuration, bm.DroppedIterations
}

// Start creates the stream's file and starts the flusher.
func (o *Output) Start() error {
	if err := os.MkdirAll(filepath.Dir(o.path), 0o755); err != nil {
		return fmt.Errorf("slocheck output: %w", err)
	}
	f, err := os.Create(o.path)
	if err != nil {
		return fmt.Errorf("slocheck output: %w", err)
	}
	o.file = f
	pf, err := k6output.NewPeriodicFlusher(flushPeriod, o.flush)
	if err != nil {
		_ = f.Close()
		return err
	}
	o.flusher = pf
	return nil
}

// Stop flushes what is left and closes the stream as completed.
func (o *Output) Stop() error { return o.StopWithTestError(nil) }

// StopWithTestError flushes what is left and closes the stream with a
// trailer saying how the test ended.
func (o *Output) StopWithTestError(testErr error) error {
	if o.stopOnce || o.flusher == nil {
		return nil
	}
	o.stopOnce = true
	o.flusher.Stop()
	reason := trailerReason(testErr)
	var errs []error
	if o.rec == nil {
		errs = append(errs, o.open(o.now()))
	}
	if o.rec != nil {
		errs = append(errs, o.rec.Close(results.Trailer{Ended: o.now(), Reason: reason}))
	}
	errs = append(errs, o.file.Sync(), o.file.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("slocheck output: %w", err)
	}
	return nil
}

// trailerReason says how the test ended, in the trailer's words. Crossed
// thresholds at the end of a test are k6's verdict, not a broken run: the
// traffic completed.
func trailerReason(testErr error) string {
	var ar errext.HasAbortReason
	switch {
	case testErr == nil:
		return "completed"
	case errors.As(testErr, &ar) && ar.AbortReason() == errext.AbortedByThresholdsAfterTestEnd:
		return "completed"
	case errors.As(testErr, &ar) && ar.AbortReason() == errext.AbortedByUser:
		return "interrupted"
	}
	return "error: " + testErr.Error()
}

// open writes the header, starting the stream at start unless the header
// fixes its start, and records what waited for it.
func (o *Output) open(start time.Time) error {
	h := o.header
	if h.Started.IsZero() {
		h.Started = gridStart(start, h.Segment)
	}
	var w io.Writer = o.file
	if o.wrap != nil {
		w = o.wrap(w)
	}
	rec, err := results.NewRecorder(h, w, results.WithFlushLag(flushLag))
	if err != nil {
		return err
	}
	o.rec = rec
	for _, w := range o.writes {
		rec.RecordWrite(w)
	}
	for _, e := range o.events {
		rec.RecordEvent(e)
	}
	o.writes, o.events = nil, nil
	return nil
}

// flush converts and records the buffered samples.
func (o *Output) flush() {
	batch := o.GetBufferedSamples()
	if len(batch) == 0 {
		return
	}
	if o.rec == nil {
		start, ok := o.firstIntended(batch)
		if !ok {
			o.keepForLater(batch)
			return
		}
		if err := o.open(start); err != nil {
			o.logger.WithError(err).Error("cannot start the results stream")
			return
		}
	}
	for _, sc := range batch {
		ss := sc.GetSamples()
		for i := range ss {
			o.record(&ss[i])
		}
	}
}

// record adds one sample to the stream, when it is one the stream holds.
func (o *Output) record(s *metrics.Sample) {
	switch {
	case s.Metric == o.httpDuration:
		if o.conv.Request(s, &o.out) {
			o.rec.Record(&o.out)
		}
	case s.Metric == o.dropped:
		o.conv.Dropped(s, &o.out, o.rec.Record)
	case s.Metric.Name == bridge.MetricWrites:
		if w, err := bridge.Write(s); err == nil {
			o.rec.RecordWrite(w)
		} else {
			o.warnOnce(err)
		}
	case s.Metric.Name == bridge.MetricEvents:
		if e, err := bridge.Event(s); err == nil {
			o.rec.RecordEvent(e)
		} else {
			o.warnOnce(err)
		}
	}
}

// firstIntended is the earliest intended start of the batch's requests and
// dropped iterations; false when it has none.
func (o *Output) firstIntended(batch []metrics.SampleContainer) (time.Time, bool) {
	var first time.Time
	for _, sc := range batch {
		for _, s := range sc.GetSamples() {
			var t time.Time
			switch {
			case s.Metric == o.httpDuration:
				if !o.conv.Request(&s, &o.out) {
					continue
				}
				t = o.out.Intended
			case s.Metric == o.dropped:
				t = s.Time
			default:
				continue
			}
			if first.IsZero() || t.Before(first) {
				first = t
			}
		}
	}
	return first, !first.IsZero()
}

// keepForLater holds the writes and events that came before any request.
func (o *Output) keepForLater(batch []metrics.SampleContainer) {
	for _, sc := range batch {
		for _, s := range sc.GetSamples() {
			switch s.Metric.Name {
			case bridge.MetricWrites:
				if w, err := bridge.Write(&s); err == nil {
					o.writes = append(o.writes, w)
				}
			case bridge.MetricEvents:
				if e, err := bridge.Event(&s); err == nil {
					o.events = append(o.events, e)
				}
			}
		}
	}
}

func (o *Output) warnOnce(err error) {
	if msg := err.Error(); !o.warned[msg] {
		o.warned[msg] = true
		o.logger.WithError(err).Warn("sample skipped")
	}
}
