package results

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrClosed is returned by a Recorder used after Close.
var ErrClosed = errors.New("results recorder closed")

// Option configures a Recorder.
type Option func(*config)

type config struct {
	now     func() time.Time
	ticker  bool
	lag     time.Duration
	stripes int
	onPanic func(any)
	onWrite func(*Interval)
}

// WithClock sets the clock that decides which intervals are complete and
// stamps the trailer (default time.Now). Combine it with WithoutTicker in
// tests.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithoutTicker stops the recorder from flushing by itself: the caller calls
// Flush (tests with a fake clock, or an engine with its own flush loop).
func WithoutTicker() Option { return func(c *config) { c.ticker = false } }

// WithFlushLag sets how long after an interval ends it is written (default
// 250 ms), so that requests still in flight at its end, which belong to it
// (intervals are keyed by intended start), are mostly in its record. Later
// ones are written as a further record of the same interval, which readers
// add. A crash loses at most the last interval plus this lag.
func WithFlushLag(d time.Duration) Option { return func(c *config) { c.lag = max(d, 0) } }

// WithStripes sets how many independently locked stripes each client region
// and step has (default GOMAXPROCS, at most 16): more stripes, less lock
// contention between workers, more memory (a dense histogram per stripe in
// use and open interval: 98 KB for the default 2 s timeout).
func WithStripes(n int) Option { return func(c *config) { c.stripes = min(max(n, 1), 64) } }

// WithPanicHandler hands a panic of the recorder's own ticker goroutine to h
// instead of crashing the process (a run must heal its faults first). The
// ticker then stops; Close still writes everything held. Without it, a panic
// there ends the process as any unrecovered panic does.
func WithPanicHandler(h func(any)) Option { return func(c *config) { c.onPanic = h } }

// WithIntervalObserver hands f every interval record as it is written to the
// stream, in the stream's order (an interval written in two records, for its
// stragglers, is seen twice: add them up). f runs inside the flush, one call
// at a time: it must be quick, must not call the Recorder, and must not keep
// iv or its histogram after it returns. What f sees is what the stream says,
// a flush lag after each interval ends, at no cost per request: the live
// metrics (internal/live) are built from it.
func WithIntervalObserver(f func(iv *Interval)) Option { return func(c *config) { c.onWrite = f } }

// Recorder is the results stream's writer, shared by every worker of an
// engine. Record, RecordInterval, RecordWrite, RecordReadback, RecordEvent
// and Snapshot are safe for concurrent use. Outcomes go into per-interval,
// per-client-region, per-step cells; a ticker writes each completed interval
// to the stream, so a crash loses at most the last interval (and the lag).
type Recorder struct {
	header   Header
	started  time.Time
	interval time.Duration
	timeout  time.Duration
	cfg      config

	table   atomic.Pointer[table]
	tableMu sync.Mutex

	failMu    sync.Mutex
	fails     []Failure
	failSpare []Failure
	failKept  map[failKey]int // failure records kept per interval and client region
	failOver  uint64          // failed requests counted only in their interval (beyond the cap)
	failOverN int             // how many interval and client region pairs that happened in

	pendMu    sync.Mutex
	writes    []AckedWrite
	readbacks []Readback
	spill     map[spillKey]*Interval // late, evicted and pre-aggregated intervals

	freeMu sync.Mutex
	free   []*hdrhistogram.Histogram

	flushMu sync.Mutex // one flush at a time; guards enc, w, werr, closed and cell totals
	enc     *encoder
	w       io.Writer
	werr    error
	closed  bool

	stop chan struct{}
	done chan struct{}
}

// MaxFailuresPerInterval is how many failed requests of one interval and
// client region the Recorder keeps as Failure records. Beyond it a failure is
// counted only in its interval's counts, so a run where everything fails at a
// huge rate keeps bounded memory (here and in every reader of the stream);
// Close then writes an EventNote saying how many were not kept. Readers that
// place failures in time (RTO) treat such an interval as failing to its end.
const MaxFailuresPerInterval = 20_000

type failKey struct {
	k      int64
	region string
}

type spillKey struct {
	k int64
	c *cell
}

// NewRecorder writes h to w and returns a Recorder for the rest of the
// stream. Zero fields of h get defaults: Schema, Interval (1 s), Started
// (now), Targets.Timeout (DefaultTargets). The caller must Close it.
func NewRecorder(h Header, w io.Writer, opts ...Option) (*Recorder, error) {
	cfg := config{now: time.Now, ticker: true, lag: 250 * time.Millisecond, stripes: min(runtime.GOMAXPROCS(0), 16)}
	for _, o := range opts {
		o(&cfg)
	}
	if err := defaultHeader(&h, cfg.now); err != nil {
		return nil, err
	}
	r := &Recorder{
		header: h, started: h.Started, interval: h.Interval.Std(), timeout: h.Targets.Timeout.Std(),
		cfg: cfg, spill: make(map[spillKey]*Interval), w: w, enc: newEncoder(&h),
	}
	r.table.Store(&table{})
	for _, cr := range h.ClientRegions {
		for _, s := range h.Steps {
			r.cellFor(cr, s)
		}
	}
	if err := r.enc.preamble(&h); err != nil {
		return nil, fmt.Errorf("results recorder: %w", err)
	}
	if err := r.writeOut(); err != nil {
		return nil, err
	}
	if cfg.ticker {
		r.stop, r.done = make(chan struct{}), make(chan struct{})
		go r.loop()
	}
	return r, nil
}

func defaultHeader(h *Header, now func() time.Time) error {
	if h.Schema == "" {
		h.Schema = Schema
	}
	if h.Interval == 0 {
		h.Interval = Duration(DefaultInterval)
	}
	if iv := h.Interval.Std(); iv < MinInterval || iv > MaxInterval {
		return fmt.Errorf("results recorder: interval %v outside [%v, %v]", iv, MinInterval, MaxInterval)
	}
	if h.Started.IsZero() {
		h.Started = now()
	}
	if h.Targets.Timeout <= 0 {
		h.Targets.Timeout = DefaultTargets().Timeout
	}
	return nil
}

// Header returns the header as written, defaults filled in.
func (r *Recorder) Header() Header { return r.header }

// Err returns the first error writing the stream, if any.
func (r *Recorder) Err() error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	return r.werr
}

// loop flushes each interval lag after it ends, until Close.
func (r *Recorder) loop() {
	defer close(r.done)
	t := time.NewTimer(r.untilNextFlush())
	defer t.Stop()
	if r.cfg.onPanic != nil {
		defer func() {
			if v := recover(); v != nil {
				r.cfg.onPanic(v)
			}
		}()
	}
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			_ = r.Flush() // the error is kept for Err and Close
			t.Reset(r.untilNextFlush())
		}
	}
}

func (r *Recorder) untilNextFlush() time.Duration {
	since := r.cfg.now().Sub(r.started) - r.cfg.lag
	next := (floorDiv(int64(since), int64(r.interval)) + 1) * int64(r.interval)
	return time.Duration(next) - since
}

// index is the interval an outcome belongs to: its intended start's.
func (r *Recorder) index(o *Outcome) int64 {
	t := o.Intended
	if t.IsZero() {
		t = o.End
	}
	return floorDiv(int64(t.Sub(r.started)), int64(r.interval))
}

// Record adds one request outcome: to its interval's counts and, when it
// succeeded, its latency (End − Intended) to the interval's histogram. A
// failed request (by DESIGN.md §2: any error kind, 4xx included, or slower
// than Targets.Timeout) is also kept as a Failure, up to
// MaxFailuresPerInterval per interval and client region. It does not
// allocate (but for the first failure of an interval and client region).
func (r *Recorder) Record(o *Outcome) {
	c := r.cellFor(o.ClientRegion, o.Step)
	kind := o.Err
	if kind >= numErrorKinds {
		kind = ErrOther
	}
	lat, slow := int64(-1), false
	if !kind.Failed() {
		if d := o.Latency(); d > r.timeout {
			slow = true
		} else {
			lat = LatencyValue(d)
		}
	}
	k := r.index(o)
	st := c.lock()
	if s := st.slot(r, c, k); s != nil {
		s.add(kind, lat, slow, o.ServedBy)
		st.mu.Unlock()
	} else {
		st.mu.Unlock()
		r.spillOutcome(c, k, kind, lat, slow, o.ServedBy)
	}
	if slow || kind.Failed() {
		r.addFailure(o, kind)
	}
}

func (r *Recorder) addFailure(o *Outcome, kind ErrorKind) {
	f := Failure{Time: o.End, Intended: o.Intended, ClientRegion: o.ClientRegion, Step: o.Step, Err: kind, Status: o.Status}
	if f.Time.IsZero() {
		f.Time = o.Intended
	}
	key := failKey{r.index(o), o.ClientRegion}
	r.failMu.Lock()
	defer r.failMu.Unlock()
	if r.failKept == nil {
		r.failKept = map[failKey]int{}
	}
	if n := r.failKept[key]; n >= MaxFailuresPerInterval {
		if n == MaxFailuresPerInterval {
			r.failKept[key], r.failOverN = n+1, r.failOverN+1
		}
		r.failOver++
		return
	}
	r.failKept[key]++
	r.fails = append(r.fails, f)
}

// pruneFailureCounts forgets the per-interval failure counts of intervals
// that ended more than a timeout and two intervals before now, so the map
// stays small (a straggler of such an interval starts a new count: the cap
// may then be passed by the few of them).
func (r *Recorder) pruneFailureCounts(now time.Time) {
	oldest := floorDiv(int64(now.Sub(r.started)-r.timeout), int64(r.interval)) - 2
	r.failMu.Lock()
	defer r.failMu.Unlock()
	for key := range r.failKept {
		if key.k < oldest {
			delete(r.failKept, key)
		}
	}
}

// capNote is the note Close writes when failure records were capped.
func (r *Recorder) capNote() (Event, bool) {
	r.failMu.Lock()
	defer r.failMu.Unlock()
	if r.failOver == 0 {
		return Event{}, false
	}
	return Event{Time: r.cfg.now(), Kind: EventNote, Detail: fmt.Sprintf(
		"%d failed requests (in %d intervals of a client region) were counted in their intervals but not kept one by one "+
			"(at most %d failure records per interval and client region)", r.failOver, r.failOverN, MaxFailuresPerInterval)}, true
}

// RecordInterval adds an already aggregated interval (the k6 output's): its
// Start is truncated onto the interval grid; its histogram (Packed or
// Latency) must hold exactly its successes.
func (r *Recorder) RecordInterval(iv *Interval) error {
	if err := checkInterval(iv); err != nil {
		return fmt.Errorf("record interval: %w", err)
	}
	c := r.cellFor(iv.ClientRegion, iv.Step)
	k := floorDiv(int64(iv.Start.Sub(r.started)), int64(r.interval))
	r.pendMu.Lock()
	combine(r.spilled(c, k), iv)
	r.pendMu.Unlock()
	return nil
}

// RecordWrite adds an acknowledged write; it is written at the next flush.
func (r *Recorder) RecordWrite(w AckedWrite) {
	r.pendMu.Lock()
	r.writes = append(r.writes, w)
	r.pendMu.Unlock()
}

// RecordReadback adds a read-back result; it is written at the next flush.
func (r *Recorder) RecordReadback(rb Readback) {
	r.pendMu.Lock()
	r.readbacks = append(r.readbacks, rb)
	r.pendMu.Unlock()
}

// RecordEvent writes an event to the stream at once (a fault's injection
// must survive a crash that follows it). After Close it is dropped; write
// errors are kept for Err and Close.
func (r *Recorder) RecordEvent(e Event) { r.jsonNow(kindEvent, &e) }

// RecordHealth writes one interval's generator health to the stream at once.
func (r *Recorder) RecordHealth(h Health) { r.jsonNow(kindHealth, &h) }

// RecordThreshold writes one k6 threshold's verdict to the stream at once.
func (r *Recorder) RecordThreshold(t Threshold) { r.jsonNow(kindThreshold, &t) }

// jsonNow writes one JSON record at once; after Close it is dropped, and a
// write error is kept for Err and Close.
func (r *Recorder) jsonNow(kind byte, v any) {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if r.closed || r.werr != nil {
		return
	}
	if err := r.enc.jsonRecord(kind, v); err != nil {
		r.werr = err
		return
	}
	r.werr = r.writeOut()
}

// writeOut hands the encoded records to w in one Write (flushMu held).
func (r *Recorder) writeOut() error {
	if len(r.enc.out) == 0 {
		return nil
	}
	_, err := r.w.Write(r.enc.out)
	r.enc.out = r.enc.out[:0]
	if err != nil {
		return fmt.Errorf("write results stream: %w", err)
	}
	return nil
}

// Close writes every interval still held, the pending records and the
// trailer t (Ended defaults to now, Requests to the requests recorded). It
// stops the ticker. Outcomes recorded after Close are lost.
func (r *Recorder) Close(t Trailer) error {
	if r.stop != nil {
		select {
		case <-r.stop:
		default:
			close(r.stop)
			<-r.done
		}
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.closed = true
	r.flushLocked(true)
	if r.werr != nil {
		return r.werr
	}
	if t.Ended.IsZero() {
		t.Ended = r.cfg.now()
	}
	if t.Requests == 0 {
		t.Requests = r.totalRequests()
	}
	if ev, ok := r.capNote(); ok {
		if err := r.enc.jsonRecord(kindEvent, &ev); err != nil {
			return err
		}
	}
	if err := r.enc.jsonRecord(kindTrailer, &t); err != nil {
		return err
	}
	return r.writeOut()
}
