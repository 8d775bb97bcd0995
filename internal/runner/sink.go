package runner

import (
	"math"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/results"
)

// sink takes the driver's outcomes into the recorder, keeps the acknowledged
// writes for the read-back, and samples the live totals so that a fault's stop
// condition can ask for the failure ratio over a recent window.
type sink struct {
	rec     *results.Recorder
	health  *healthSampler // takes each send's lag; nil for none
	onPanic func(any)      // the sample loop's panics go here; nil: they end the process
	hooks   *hooks         // tests
	metrics *live.Metrics  // the live metrics; nil for none

	mu     sync.Mutex
	writes []results.AckedWrite

	smu       sync.Mutex
	samples   []sample // one every sampleEvery, the newest last
	noSamples bool     // take none (withoutSamples)
	done      chan struct{}
	stopped   sync.Once
}

// sample is the live totals per client region at one instant (Counts's
// regions: a few words each, where two maps a sample held five minutes of
// samples in megabytes).
type sample struct {
	at      time.Time
	regions []results.LiveRegion
}

// totals are the sample's requests and failures over every client region.
func (s sample) totals() (requests, failures uint64) {
	for _, r := range s.regions {
		requests += r.Requests
		failures += r.Failures
	}
	return requests, failures
}

const (
	sampleEvery = 100 * time.Millisecond
	maxSamples  = 3000 // five minutes of history: longer than any stop window we accept
)

// sinkOption configures a sink.
type sinkOption func(*sink)

// withHealth hands every request's send lag to h.
func withHealth(h *healthSampler) sinkOption { return func(s *sink) { s.health = h } }

// withPanicHandler hands a panic of the sample loop to h (the run's guard).
func withPanicHandler(h func(any)) sinkOption { return func(s *sink) { s.onPanic = h } }

// withHooks sets the tests' hooks (nil: none).
func withHooks(h *hooks) sinkOption {
	return func(s *sink) {
		if h != nil {
			s.hooks = h
		}
	}
}

// withoutSamples takes no samples when off is true: failureRatio and
// budgetBurn, which only a fault's stop condition asks for, are then NaN. A
// run without faults needs none, and saves the sample loop's ten wake-ups a
// second, each of which also wakes the runtime's monitor (sysmon) for a few
// more.
func withoutSamples(off bool) sinkOption { return func(s *sink) { s.noSamples = off } }

func newSink(rec *results.Recorder, opts ...sinkOption) *sink {
	s := &sink{rec: rec, done: make(chan struct{}), hooks: &hooks{}}
	for _, o := range opts {
		o(s)
	}
	if !s.noSamples {
		go s.sampleLoop()
	}
	return s
}

// Outcome records one request, and its send lag for the generator's health.
func (s *sink) Outcome(o *results.Outcome) {
	if s.hooks.outcome != nil {
		s.hooks.outcome(o)
	}
	s.health.observe(o)
	s.metrics.Outcome(o)
	s.rec.Record(o)
}

// Write records an acknowledged write.
func (s *sink) Write(w results.AckedWrite) {
	s.rec.RecordWrite(w)
	s.mu.Lock()
	s.writes = append(s.writes, w)
	s.mu.Unlock()
}

func (s *sink) sampleLoop() {
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	if s.onPanic != nil {
		defer func() {
			if v := recover(); v != nil {
				s.onPanic(v)
			}
		}()
	}
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			s.takeSample(now)
		}
	}
}

func (s *sink) takeSample(now time.Time) {
	if s.hooks.sample != nil {
		s.hooks.sample()
	}
	live := s.rec.Counts() // counters only: no histogram to merge ten times a second
	sm := sample{at: now, regions: live.Regions}
	s.smu.Lock()
	s.samples = append(s.samples, sm)
	if len(s.samples) > maxSamples {
		s.samples = s.samples[len(s.samples)-maxSamples:]
	}
	s.smu.Unlock()
}

// failureRatio is the highest failure ratio of any client region over the
// last window (DESIGN.md §5: "any region's failure ratio stays above X"),
// NaN when no region had requests in it.
func (s *sink) failureRatio(window time.Duration) float64 {
	s.smu.Lock()
	defer s.smu.Unlock()
	if len(s.samples) < 2 {
		return math.NaN()
	}
	last := s.samples[len(s.samples)-1]
	first := s.samples[0]
	for i := len(s.samples) - 1; i >= 0; i-- {
		if last.at.Sub(s.samples[i].at) >= window {
			first = s.samples[i]
			break
		}
	}
	worst := math.NaN()
	for _, r := range last.regions {
		var before results.LiveRegion // zero for a region newer than first
		for _, f := range first.regions {
			if f.ClientRegion == r.ClientRegion {
				before = f
			}
		}
		dn := r.Requests - before.Requests
		if dn == 0 {
			continue
		}
		ratio := float64(r.Failures-before.Failures) / float64(dn)
		if math.IsNaN(worst) || ratio > worst {
			worst = ratio
		}
	}
	return worst
}

func (s *sink) stop() { s.stopped.Do(func() { close(s.done) }) }

// budgetBurn is the failure-seconds spent since `since`: the failure ratio
// of all client regions together, integrated over the samples after it
// (DESIGN.md §2's budget burn, at the sampling resolution). NaN without two
// samples after since.
func (s *sink) budgetBurn(since time.Time) float64 {
	s.smu.Lock()
	defer s.smu.Unlock()
	burn, n := 0.0, 0
	for i := 1; i < len(s.samples); i++ {
		prev, cur := s.samples[i-1], s.samples[i]
		if prev.at.Before(since) {
			continue
		}
		cr, cf := cur.totals()
		pr, pf := prev.totals()
		dr, df := cr-pr, cf-pf
		if dr > 0 {
			burn += float64(df) / float64(dr) * cur.at.Sub(prev.at).Seconds()
		}
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return burn
}
