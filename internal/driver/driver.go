// Package driver is slocheck's open-model load driver: a pacer decides when
// each arrival is due, whatever the target does; arrivals are split over
// client regions by weight and each is a shopping journey (browse, product,
// cart, checkout, with think time between clicks) or a single step. Latency
// counts from the intended start, so a stalled target cannot hide its stall by
// slowing the generator (coordinated omission). Workers are added on demand up
// to a bound; an arrival that cannot start in time is counted as dropped.
//
// Run drives one Config and hands every request's results.Outcome, and every
// acknowledged checkout as a results.AckedWrite, to a Sink.
package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slocheck/slocheck/results"
)

// Sink receives what the driver measured. Both methods are called from many
// goroutines at once and must not block for long: the calling worker is not
// free meanwhile. The Outcome pointer is valid only during the call. A sink
// that also implements DropSink is told of bulk drops (drop.go).
type Sink interface {
	Outcome(*results.Outcome)
	Write(results.AckedWrite)
}

// Stats sums up a run.
type Stats struct {
	Arrivals uint64 // journeys that came due
	Sent     uint64 // requests sent
	Dropped  uint64 // requests never sent (counted as results.ErrDropped)
	// BulkDropped is the part of Dropped skipped in bulk when the generator
	// was further behind than the timeout: told to a DropSink in batches,
	// not to Sink.Outcome one by one.
	BulkDropped uint64
	Acked       uint64        // checkouts acknowledged and recorded
	BadAcks     uint64        // 201 checkout answers whose body could not be read as an ack
	Workers     int           // high-water mark of workers
	Elapsed     time.Duration // from the start to the last send, at least the schedule (or to the cancel)
	Rate        float64       // achieved rate: Sent / Elapsed, requests per second
	Cancelled   bool          // ctx (or a panic, see ErrPanic) ended the run before its schedule did
	Transport   string        // TransportEventLoops or TransportWorkers
}

// The transports a run can use (Stats.Transport): event loops for http://
// targets on Linux, workers with fasthttp's client otherwise.
const (
	TransportEventLoops = "event loops"
	TransportWorkers    = "workers"
)

// Run sends cfg's load to its targets and reports each request to sink. It
// returns when the schedule is over and the requests in flight have ended, or,
// when ctx is cancelled, at once after those in flight (bounded by the
// timeout) have ended: no request is sent after the cancel.
func Run(ctx context.Context, cfg Config, sink Sink) (Stats, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return Stats{}, fmt.Errorf("driver config: %w", errors.Join(errs...))
	}
	r, err := newRunner(cfg.withDefaults(), sink)
	if err != nil {
		return Stats{}, err
	}
	st := r.run(ctx)
	return st, r.err()
}

// arrival is one journey that came due.
type arrival struct {
	n       uint64        // the arrival's number in the run
	due     time.Duration // offset from the start
	region  int32
	journey int32
	rnd     uint64 // seeds the journey's product choices
}

// journey is a Journey compiled to step indices.
type journey struct {
	steps []int
	think time.Duration
}

// runner is one Run's shared state.
type runner struct {
	cfg       Config
	sink      Sink
	drops     DropSink // sink, when it takes bulk drops
	regions   []*region
	journeys  []journey
	pickReg   picker
	pickJour  picker
	pacer     *pacer
	steps     []cstep // the steps journeys name, compiled
	nvars     int     // variable slots (values extracted)
	perArr    float64 // mean steps per arrival
	seed      uint64
	segs      []segShare // Config.Segments by region; nil: every arrival (segment.go)
	keptTotal float64    // the expected share of the arrivals that are this run's

	start      time.Time
	jobs       chan arrival
	stop       chan struct{} // closed when ctx is cancelled (or a goroutine panicked)
	stopped    atomic.Bool   // set once cancelAt is
	cancelAt   time.Duration // offset of the cancel
	cancelOnce sync.Once
	onCancel   func() // wakes the event loops at the cancel
	panicMu    sync.Mutex
	panicErr   *PanicError  // the run's first panic
	idle       atomic.Int64 // workers waiting for a job
	wg         sync.WaitGroup
	workers    []*worker // appended by the dispatcher only
	max        int
	servedBy   []byte // response header naming the serving region

	arrivals, dropped, bulk uint64 // dispatcher-owned
	others                  uint64 // arrivals another generator sends (segment.go)
	scratch                 results.Outcome
}

func newRunner(cfg Config, sink Sink) (*runner, error) {
	r := &runner{cfg: cfg, sink: sink, max: cfg.MaxWorkers, stop: make(chan struct{}),
		servedBy: []byte(cfg.ServedByHeader)}
	r.drops, _ = sink.(DropSink)
	steps, err := compileSteps(cfg.Steps, cfg.Data, cfg.Timeout, cfg.Auth)
	if err != nil {
		return nil, err
	}
	r.steps, r.nvars = steps, len(varSlots(cfg.Steps))
	if err := r.initRegions(); err != nil {
		return nil, err
	}
	r.perArr = r.initJourneys()
	r.pacer = r.newPacer()
	r.seed = uint64(cfg.Seed)
	r.initSegments()
	r.jobs = make(chan arrival, cfg.MaxWorkers)
	return r, nil
}

// initRegions builds a region per target, in name order, and their picker.
func (r *runner) initRegions() error {
	names := sortedKeys(r.cfg.Targets)
	weights := make([]float64, len(names))
	for i, name := range names {
		rg, err := newRegion(name, r.cfg.Targets[name], r.cfg, r.steps)
		if err != nil {
			return err
		}
		r.regions = append(r.regions, rg)
		weights[i] = 1
		if len(r.cfg.Weights) > 0 {
			weights[i] = r.cfg.Weights[name]
		}
	}
	r.pickReg = newPicker(weights)
	return nil
}

// initJourneys compiles the journeys and their picker and returns the mean
// number of steps per arrival.
func (r *runner) initJourneys() float64 {
	weights := make([]float64, len(r.cfg.Journeys))
	for i, j := range r.cfg.Journeys {
		cj := journey{think: j.ThinkTime}
		for _, s := range j.Steps {
			cj.steps = append(cj.steps, stepIndex(r.cfg.Steps, s))
		}
		r.journeys = append(r.journeys, cj)
		weights[i] = j.Weight
	}
	r.pickJour = newPicker(weights)
	var steps float64
	for i, j := range r.journeys {
		steps += r.pickJour.share(i) * float64(len(j.steps))
	}
	return steps
}

// newPacer returns a new copy of the run's arrival schedule.
func (r *runner) newPacer() *pacer {
	return newPacer(r.cfg.Rate, r.cfg.Stages, r.cfg.Duration, 1/r.perArr)
}

// run sends the schedule, on event loops where the targets allow
// (evloop_linux.go), else on workers: it paces arrivals until the schedule
// ends or ctx is cancelled, then waits for the journeys and sums up.
func (r *runner) run(ctx context.Context) Stats {
	if st, ok := r.runEvloops(ctx); ok {
		return st
	}
	r.start = r.cfg.startTime()
	end := r.paceSafe(ctx)
	close(r.jobs)
	r.wg.Wait()
	r.dropLeft()
	for _, rg := range r.regions {
		rg.closeIdle()
	}
	return r.stats(end)
}

// paceSafe is pace with its panic recovered: the run is cancelled and
// sending ends at the cancel.
func (r *runner) paceSafe(ctx context.Context) (end time.Duration) {
	defer func() {
		if r.recovered(recover(), "pacer") {
			end = r.cancelAt
		}
	}()
	return r.pace(ctx)
}

// pace dispatches each arrival when it is due (plus HoldSends). It returns the offset at which
// sending ended: the schedule's length, or the cancel.
func (r *runner) pace(ctx context.Context) time.Duration {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	done := ctx.Done()
	for {
		off, ok := r.pacer.next()
		if !ok {
			return r.pacer.length()
		}
		if !r.mine(r.arrivals) { // another generator's (segment.go)
			r.arrivals++
			r.others++
			continue
		}
		now := time.Since(r.start)
		if r.overdue(off, now) && !r.stopped.Load() {
			r.skip(off, now)
			continue
		}
		if wait := off + r.cfg.HoldSends - now; wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-done:
				return r.cancel()
			case <-r.stop: // a worker panicked
				return r.cancelAt
			}
		} else if ctx.Err() != nil || r.stopped.Load() {
			return r.cancel()
		}
		r.hook("pacer", off)
		r.dispatch(r.newArrival(r.arrivals, off))
		r.arrivals++
	}
}

// dropLeft drops the arrivals no worker took up (the workers that were to
// take them panicked), so that every arrival is accounted for.
func (r *runner) dropLeft() {
	defer func() { r.recovered(recover(), "pacer") }()
	for a := range r.jobs {
		r.dropped += r.dropArrival(&r.scratch, a)
	}
}

// cancel ends sending (once: a context's cancel and a panic may both come)
// and returns the offset at which it did.
func (r *runner) cancel() time.Duration {
	r.cancelOnce.Do(func() {
		r.cancelAt = time.Since(r.start)
		r.stopped.Store(true)
		close(r.stop)
		if r.onCancel != nil {
			r.onCancel()
		}
	})
	return r.cancelAt
}

// skip drops in bulk the arrivals the pacer has due more than the timeout
// before now, from the one just taken (due at off, number r.arrivals) on.
func (r *runner) skip(off, now time.Duration) {
	cut := now - r.cfg.Timeout
	next := r.pacer.skipTo(cut)
	n := r.bulkDrop(next-r.arrivals, off, cut)
	r.arrivals = next
	r.dropped += n
	r.bulk += n
}

// newArrival draws arrival n's region, journey and product seed. The draws
// are a function of the seed and n alone, so event loops that share the
// arrivals out between them still send the same traffic for a seed.
func (r *runner) newArrival(n uint64, off time.Duration) arrival {
	base := mix64(r.seed ^ mix64(n))
	return arrival{
		n:       n,
		due:     off,
		region:  int32(r.pickReg.pick(unitFloat(mix64(base + 1)))),
		journey: int32(r.pickJour.pick(unitFloat(mix64(base + 2)))),
		rnd:     mix64(base + 3),
	}
}

// mix64 is splitmix64's finaliser: a bijection that scatters nearby inputs.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unitFloat maps x to [0, 1) with 53 bits.
func unitFloat(x uint64) float64 { return float64(x>>11) / (1 << 53) }

// dispatch hands a to a free worker, adding one when none is free and the
// bound allows; when the backlog is full it counts a as dropped.
func (r *runner) dispatch(a arrival) {
	if r.idle.Load() <= 0 && len(r.workers) < r.max {
		r.spawn()
	}
	select {
	case r.jobs <- a:
	default:
		r.dropped += r.dropArrival(&r.scratch, a)
	}
}

// dropArrival reports the steps of a as dropped and returns how many. Step k
// is taken as intended at the due time plus k think times; after a cancel,
// only the steps intended by the cancel are reported (the rest never came due).
func (r *runner) dropArrival(out *results.Outcome, a arrival) uint64 {
	j := &r.journeys[a.journey]
	intended := r.start.Add(a.due)
	until := time.Time{}
	if r.stopped.Load() {
		until = r.start.Add(r.cancelAt)
	}
	var n uint64
	for _, s := range j.steps {
		if !until.IsZero() && intended.After(until) {
			break
		}
		n++
		*out = results.Outcome{
			ClientRegion: r.regions[a.region].name,
			Step:         r.steps[s].Name,
			Intended:     intended,
			Err:          results.ErrDropped,
		}
		r.sink.Outcome(out)
		intended = intended.Add(j.think)
	}
	return n
}

func (r *runner) stats(end time.Duration) Stats {
	st := Stats{Arrivals: r.arrivals - r.others, Dropped: r.dropped, BulkDropped: r.bulk, Workers: len(r.workers)}
	var last time.Duration
	for _, w := range r.workers {
		w.addTo(&st, &last)
	}
	st.Transport = TransportWorkers
	return r.sum(st, end, last)
}

// tally is what one worker or event loop counted.
type tally struct {
	sent, dropped, acked, badAcks uint64
	lastSend                      time.Duration // offset of the last send
	lastServedBy                  string
}

// servedBy returns b as a string, reusing the previous one when equal (a
// region's answers nearly always name the same serving region).
func (t *tally) servedBy(b []byte) string {
	if string(b) != t.lastServedBy {
		t.lastServedBy = string(b)
	}
	return t.lastServedBy
}

// addTo adds t to st and moves last up to t's last send.
func (t *tally) addTo(st *Stats, last *time.Duration) {
	st.Sent += t.sent
	st.Dropped += t.dropped
	st.Acked += t.acked
	st.BadAcks += t.badAcks
	*last = max(*last, t.lastSend)
}

// sum completes st: sending ended at end (the schedule's length or the
// cancel), the last send was at last.
func (r *runner) sum(st Stats, end, last time.Duration) Stats {
	st.Cancelled = r.stopped.Load()
	st.Elapsed = end
	if !st.Cancelled {
		st.Elapsed = max(end, last)
	}
	if st.Elapsed > 0 {
		st.Rate = float64(st.Sent) / st.Elapsed.Seconds()
	}
	return st
}

// picker chooses an index by weight from a uniform number in [0, 1).
type picker struct{ cum []float64 }

// newPicker builds a picker; all-zero weights mean equal shares.
func newPicker(weights []float64) picker {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	cum := make([]float64, len(weights))
	var acc float64
	for i, w := range weights {
		if sum == 0 {
			acc += 1 / float64(len(weights))
		} else {
			acc += w / sum
		}
		cum[i] = acc
	}
	return picker{cum: cum}
}

func (p picker) pick(u float64) int {
	for i, c := range p.cum {
		if u < c {
			return i
		}
	}
	return len(p.cum) - 1
}

// share is index i's probability.
func (p picker) share(i int) float64 {
	if i == 0 {
		return p.cum[0]
	}
	return p.cum[i] - p.cum[i-1]
}
