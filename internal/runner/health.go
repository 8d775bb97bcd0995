package runner

import (
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slocheck/slocheck/results"
)

// healthSampler writes the generator's own health (results.Health, DESIGN.md
// §2) once per interval of the header's grid: the send lag of the requests
// sent in it, the process's and the machine's CPU, and the embedded
// platform's timer overshoot.
//
// Send lags come from sink.Outcome, on every request, so they go into a ring
// of lock-free histograms (lagSlot) by the interval of the send. Interval k
// is written once every request sent in it has surely ended (timeout plus
// healthSettle after it), its CPU and overshoot measured when it ended.
//
// The k6 engine has no outcomes here: it can start one for the CPU alone
// (startHealth with a zero Timeout and no Overshoot).
type healthSampler struct {
	rec      *results.Recorder
	cfg      healthConfig
	lags     []lagSlot
	stale    atomic.Uint64 // lags that found their slot not yet free (the sampler far behind)
	stopOnce sync.Once
	done     chan struct{}
	exited   chan struct{}

	// the sampler's own, from its goroutine
	next, measured int64           // next interval to write; intervals measured
	figures        []healthFigures // by interval mod len(lags)
	cpu            cpuMeter
}

// healthConfig configures a healthSampler.
type healthConfig struct {
	Start     time.Time
	Interval  time.Duration
	Timeout   time.Duration                          // a request's longest life: its interval is complete this long after it ends
	Generator string                                 // results.Health.Generator
	Overshoot func() time.Duration                   // the embedded platform's TimerOvershoot; nil without one
	OnPanic   func(any)                              // the run's; nil lets a panic end the process
	SendLags  func(iter.Seq2[time.Duration, uint64]) // each interval's send lags (live metrics); nil for none
	hook      func()                                 // tests: called in the sampler's loop
}

// healthSettle is how long after a request's timeout the sampler still waits
// for it, as the recorder's flush lag does.
const healthSettle = 250 * time.Millisecond

// healthFigures are one interval's measurements other than the send lag.
type healthFigures struct {
	cpuProcess, cpuMachine float64
	overshoot              time.Duration
}

// startHealth starts a sampler writing into rec.
func startHealth(rec *results.Recorder, cfg healthConfig) *healthSampler {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	n := int((cfg.Timeout+healthSettle)/cfg.Interval) + 4
	h := &healthSampler{
		rec: rec, cfg: cfg, lags: make([]lagSlot, n), figures: make([]healthFigures, n),
		done: make(chan struct{}), exited: make(chan struct{}),
	}
	for i := range h.lags {
		h.lags[i].idx.Store(int64(i))
	}
	h.cpu.reset()
	go h.loop()
	return h
}

// observe takes one request's send lag. It does not lock or allocate.
func (h *healthSampler) observe(o *results.Outcome) {
	if h == nil || o.Sent.IsZero() || o.Intended.IsZero() {
		return // dropped: never sent
	}
	k := max(int64(o.Sent.Sub(h.cfg.Start)/h.cfg.Interval), 0)
	s := &h.lags[k%int64(len(h.lags))]
	if s.idx.Load() != k {
		h.stale.Add(1)
		return
	}
	s.add(max(o.Sent.Sub(o.Intended), 0))
}

// stop measures the interval under way, writes every interval not yet
// written and ends the sampler. Call it once the traffic has ended.
func (h *healthSampler) stop() {
	if h == nil {
		return
	}
	h.stopOnce.Do(func() { close(h.done) })
	<-h.exited
}

func (h *healthSampler) loop() {
	defer close(h.exited)
	if h.cfg.OnPanic != nil {
		defer func() {
			if v := recover(); v != nil {
				h.cfg.OnPanic(v)
			}
		}()
	}
	t := time.NewTimer(h.untilTick())
	defer t.Stop()
	for {
		select {
		case <-h.done:
			h.measure(time.Now())
			h.write(h.measured)
			return
		case now := <-t.C:
			if h.cfg.hook != nil {
				h.cfg.hook()
			}
			h.measure(now)
			h.write(int64((now.Sub(h.cfg.Start) - h.cfg.Timeout - healthSettle) / h.cfg.Interval))
			t.Reset(h.untilTick())
		}
	}
}

// untilTick is the time to the next end of an interval.
func (h *healthSampler) untilTick() time.Duration {
	since := time.Since(h.cfg.Start)
	return time.Duration(int64(since)/int64(h.cfg.Interval)+1)*h.cfg.Interval - since
}

// measure takes the CPU and overshoot figures of the intervals that ended by
// now (on a late tick several share them).
func (h *healthSampler) measure(now time.Time) {
	end := max(int64(now.Sub(h.cfg.Start)/h.cfg.Interval), h.measured+1)
	f := healthFigures{}
	f.cpuProcess, f.cpuMachine = h.cpu.sample(now)
	if h.cfg.Overshoot != nil {
		f.overshoot = h.cfg.Overshoot()
	}
	for ; h.measured < end; h.measured++ {
		h.figures[h.measured%int64(len(h.figures))] = f
	}
}

// write writes every measured interval before upTo.
func (h *healthSampler) write(upTo int64) {
	for ; h.next < min(upTo, h.measured); h.next++ {
		k := h.next
		i := k % int64(len(h.lags))
		hl := h.lags[i].take(k + int64(len(h.lags)))
		f := h.figures[i]
		if h.cfg.SendLags != nil {
			h.cfg.SendLags(hl.buckets)
		}
		h.rec.RecordHealth(results.Health{
			Start:     h.cfg.Start.Add(time.Duration(k) * h.cfg.Interval),
			Generator: h.cfg.Generator,
			Sends:     hl.n, SendLagMax: results.Duration(hl.max), SendLagP99: results.Duration(hl.p99),
			CPUProcess: f.cpuProcess, CPUMachine: f.cpuMachine, CPUs: runtime.NumCPU(),
			TimerOvershootMax: results.Duration(f.overshoot),
		})
	}
}

// overshoot is the embedded platform's timer overshoot reader; nil for a
// deployment.
func (t *target) overshoot() func() time.Duration {
	if t.platform == nil {
		return nil
	}
	return t.platform.TimerOvershoot
}
