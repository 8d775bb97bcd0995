package runner

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/results"
)

// The read-back of DESIGN.md §2 (RPO). From a fault's injection on, while the
// fault lasts, every write the faulted region acknowledged from the lookback
// before the injection until the heal is read back from a surviving region,
// newest first ("after-fault"; readback_reader.go): writes acknowledged
// during the fault are pushed onto the newest end as they arrive. Each is
// read no earlier than its ack plus the replication allowance, so that a
// write still in normal replication is not taken for absent. The heal never
// waits for it: it only tells the readers to stop. Once every heal has
// settled, the absent writes are read again ("after-heal"; readback_heal.go):
// found then, they were late; still absent, lost. So are the writes the heal
// caught before they could be read (acknowledged within the allowance of it,
// or with their read in flight), which only that read can settle.
const (
	// readbackLookback bounds the candidates before the injection: a write
	// older than this has had hundreds of replication lags to replicate.
	// Recorded in the stream header (Targets.ReadbackLookback).
	readbackLookback = 2 * time.Minute
	// Replication allowance: on the embedded platform its replication lag
	// plus allowanceMargin (the store delivers at exactly ack + lag);
	// against a deployment deploymentAllowance, above the sub-second
	// replication of Cosmos DB and its like in normal operation.
	allowanceMargin     = 200 * time.Millisecond
	deploymentAllowance = time.Second

	readbackTimeout = 2 * time.Second // per request
	readbackTries   = 3               // per write and phase: a read that errs is tried again, after the others
	healSettle      = 2 * time.Second // after the last heal (plus the allowance), before the after-heal read
	afterHealBudget = 15 * time.Second
)

type readbacker struct {
	tgt       *target
	sk        *sink
	rec       *results.Recorder
	client    *http.Client
	allowance time.Duration
	lookback  time.Duration
	// refresh, when set, brings the sink's writes up to date (engine k6,
	// whose writes land in k6.stream); called at most every refreshEvery.
	refresh func()
	// onPanic takes a panic of a read-back goroutine (the run's guard,
	// which heals and exits 3); nil lets it end the process. hook is the
	// tests' way in.
	onPanic func(any)
	hook    func()

	mu      sync.Mutex
	readers []*faultReader
}

// refreshEvery is how often refresh may run while a fault is read back.
const refreshEvery = 500 * time.Millisecond

func newReadbacker(tgt *target, sk *sink, rec *results.Recorder) *readbacker {
	allowance := deploymentAllowance
	if tgt.platform != nil {
		allowance = tgt.platform.Config().ReplicationLag + allowanceMargin
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = maxReadWorkers, maxReadWorkers // one kept connection per worker
	return &readbacker{
		tgt: tgt, sk: sk, rec: rec,
		client:    &http.Client{Timeout: readbackTimeout, Transport: tr},
		allowance: allowance,
		lookback:  readbackLookback,
	}
}

// recover hands a panic of the calling read-back goroutine to onPanic. It
// must be deferred directly.
func (r *readbacker) recover() {
	if r.onPanic == nil {
		return
	}
	if v := recover(); v != nil {
		r.onPanic(v)
	}
}

// wrap returns inj with the read-back of fault started at its injection.
// region is the faulted region ("" when unknown: no read-back).
func (r *readbacker) wrap(inj chaos.Injector, fault, region string) chaos.Injector {
	if (r.tgt.readback == "" && r.tgt.cosmosReader == nil) || region == "" || r.survivor(region) == "" {
		return inj
	}
	return &readbackInjector{Injector: inj, rb: r, fault: fault, region: region}
}

// survivor is the first region other than region.
func (r *readbacker) survivor(region string) string {
	for _, reg := range r.tgt.regions {
		if reg != region {
			return reg
		}
	}
	return ""
}

// start begins reading back fault's candidates; it returns at once. The
// reader stops at the heal or when ctx ends (the run's end, Ctrl-C).
func (r *readbacker) start(ctx context.Context, fault, region string, injected time.Time) *faultReader {
	fr := newFaultReader(r, fault, region, injected)
	r.mu.Lock()
	r.readers = append(r.readers, fr)
	r.mu.Unlock()
	go fr.run(ctx)
	return fr
}

type readbackInjector struct {
	chaos.Injector
	rb     *readbacker
	fault  string
	region string

	mu     sync.Mutex
	reader *faultReader
}

var _ chaos.Injector = (*readbackInjector)(nil)

// Inject injects, then starts the read-back from the injection instant.
func (i *readbackInjector) Inject(ctx context.Context) (chaos.Fault, error) {
	f, err := i.Injector.Inject(ctx)
	if err != nil {
		return f, err
	}
	at := f.Injected
	if at.IsZero() {
		at = time.Now() // as the chaos runner records it
	}
	i.mu.Lock()
	if i.reader == nil {
		i.reader = i.rb.start(ctx, i.fault, i.region, at)
	}
	i.mu.Unlock()
	return f, nil
}

// Heal tells the reader the heal begins (it does not wait for it) and heals.
func (i *readbackInjector) Heal(ctx context.Context) error {
	i.mu.Lock()
	fr := i.reader
	i.mu.Unlock()
	if fr != nil {
		fr.healing(time.Now())
	}
	return i.Injector.Heal(ctx)
}

// writesFrom returns the writes the sink received after its first i and how
// many it holds now. The sink only appends (engine k6 replaces the list by a
// longer one with the same start), so the slice is safe to read unlocked.
func (s *sink) writesFrom(i int) ([]results.AckedWrite, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.writes)
	if i > n {
		i = n
	}
	return s.writes[i:n:n], n
}
