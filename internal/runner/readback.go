package runner

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/results"
)

// The read-back of DESIGN.md §2 (RPO): when a fault is about to be healed,
// every write the faulted region acknowledged before the injection is read
// back from a surviving region ("after-fault"). Those absent are read again
// once the heal has had time to replicate them ("after-heal"): found then,
// they were late; still absent, lost.
const (
	readbackWorkers = 32
	readbackTimeout = 2 * time.Second  // per request
	readbackBudget  = 10 * time.Second // for one phase of one fault
	healSettle      = 2 * time.Second  // after the last heal, before the after-heal read
	// readbackLookback bounds which writes are read back: those acknowledged
	// in this span before the injection. A write older than this has had
	// hundreds of replication lags to replicate; reading every write of an
	// hour-long gate run back would take longer than the fault itself.
	readbackLookback = 2 * time.Minute
)

type readbacker struct {
	tgt    *target
	sk     *sink
	rec    *results.Recorder
	client *http.Client

	mu      sync.Mutex
	missing map[string][]results.AckedWrite // fault -> writes absent after the fault
	from    map[string]string               // fault -> region read from
}

func newReadbacker(tgt *target, sk *sink, rec *results.Recorder) *readbacker {
	return &readbacker{
		tgt: tgt, sk: sk, rec: rec,
		client:  &http.Client{Timeout: readbackTimeout},
		missing: map[string][]results.AckedWrite{},
		from:    map[string]string{},
	}
}

// wrap returns inj with the after-fault read-back run once, before its
// first heal. region is the faulted region ("" when unknown: no read-back).
func (r *readbacker) wrap(inj chaos.Injector, fault, region string) chaos.Injector {
	if r.tgt.readback == "" || region == "" || r.survivor(region) == "" {
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

type readbackInjector struct {
	chaos.Injector
	rb       *readbacker
	fault    string
	region   string
	mu       sync.Mutex
	injected time.Time
	read     bool
}

var _ chaos.Injector = (*readbackInjector)(nil)

func (i *readbackInjector) Inject(ctx context.Context) (chaos.Fault, error) {
	f, err := i.Injector.Inject(ctx)
	if err == nil {
		i.mu.Lock()
		i.injected = f.Injected
		if i.injected.IsZero() {
			i.injected = f.Issued
		}
		i.mu.Unlock()
	}
	return f, err
}

func (i *readbackInjector) Heal(ctx context.Context) error {
	i.mu.Lock()
	if !i.read && !i.injected.IsZero() {
		i.read = true
		i.rb.afterFault(ctx, i.fault, i.region, i.injected)
	}
	i.mu.Unlock()
	return i.Injector.Heal(ctx)
}

// afterFault reads back, from a surviving region, what region acknowledged
// before injected.
func (r *readbacker) afterFault(ctx context.Context, fault, region string, injected time.Time) {
	from := r.survivor(region)
	writes := r.sk.ackedBetween(region, injected.Add(-readbackLookback), injected)
	found := r.readAll(ctx, writes, from, fault, "after-fault")
	var missing []results.AckedWrite
	for i, w := range writes {
		if !found[i] {
			missing = append(missing, w)
		}
	}
	r.mu.Lock()
	r.missing[fault] = missing
	r.from[fault] = from
	r.mu.Unlock()
}

// afterHeal reads again what was missing, once every fault is healed and
// the heal has had time to replicate.
func (r *readbacker) afterHeal(ctx context.Context, recs []chaos.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.missing) == 0 {
		return
	}
	var last time.Time
	for _, rec := range recs {
		if rec.Healed.After(last) {
			last = rec.Healed
		}
	}
	if wait := time.Until(last.Add(healSettle)); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	ctx = context.WithoutCancel(ctx) // an interrupted run still finishes its read-back
	for _, fault := range slices.Sorted(maps.Keys(r.missing)) {
		r.readAll(ctx, r.missing[fault], r.from[fault], fault, "after-heal")
	}
}

// readAll reads writes back from region and records each answer; found[i]
// says whether writes[i] was there. A write whose read failed (neither 200
// nor 404) is not recorded: the evaluation cannot count it either way.
func (r *readbacker) readAll(ctx context.Context, writes []results.AckedWrite, region, fault, phase string) []bool {
	found := make([]bool, len(writes))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readbackBudget)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	var failed sync.Once
	for range min(readbackWorkers, len(writes)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ok, err := r.read(ctx, writes[i].ID, region)
				if err != nil {
					failed.Do(func() {
						r.rec.RecordEvent(results.Event{Time: time.Now(), Kind: results.EventNote, Fault: fault,
							Detail: fmt.Sprintf("read-back %s from %s failed: %v", phase, region, err)})
					})
					continue
				}
				found[i] = ok
				r.rec.RecordReadback(results.Readback{ID: writes[i].ID, Region: region, Time: time.Now(), Found: ok, Phase: phase, Fault: fault})
			}
		}()
	}
	for i := range writes {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return found
}

func (r *readbacker) read(ctx context.Context, id, region string) (bool, error) {
	u := strings.NewReplacer("{id}", url.PathEscape(id), "{region}", url.QueryEscape(region)).Replace(r.tgt.readback)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("GET %s: %s", u, resp.Status)
}
