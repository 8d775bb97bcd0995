package runner

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// rbHarness is a read-back against an httptest store, recording into a
// buffer that Finish turns into a run.
type rbHarness struct {
	t   testing.TB
	rb  *readbacker
	sk  *sink
	rec *results.Recorder
	buf *lockedBuffer
	inj chaos.Injector
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

type nopInjector struct{}

func (nopInjector) Inject(context.Context) (chaos.Fault, error) {
	return chaos.Fault{Injected: time.Now().Round(0)}, nil
}
func (nopInjector) Heal(context.Context) error { return nil }

func newRBHarness(t testing.TB, store http.HandlerFunc, allowance time.Duration) *rbHarness {
	srv := httptest.NewServer(store)
	t.Cleanup(srv.Close)
	buf := &lockedBuffer{}
	h := results.Header{Schema: results.Schema, Started: time.Now(), Interval: results.Duration(time.Second),
		Regions: []string{"eastus", "westeurope"}, ClientRegions: []string{"us"}, Steps: scenario.Steps}
	h.Targets = results.DefaultTargets()
	h.Targets.ReadbackLookback = results.Duration(readbackLookback)
	rec, err := results.NewRecorder(h, buf)
	if err != nil {
		t.Fatal(err)
	}
	sk := newSink(rec)
	t.Cleanup(sk.stop)
	tgt := &target{regions: []string{"eastus", "westeurope"}, readback: srv.URL + "/orders/{id}?region={region}"}
	rb := newReadbacker(tgt, sk, rec)
	rb.allowance = allowance
	return &rbHarness{t: t, rb: rb, sk: sk, rec: rec, buf: buf, inj: rb.wrap(nopInjector{}, "f", "eastus")}
}

// write records n eastus writes with ids prefix-0…, acknowledged now − age
// onwards, one a millisecond.
func (h *rbHarness) write(prefix string, n int, age time.Duration) {
	at := time.Now().Round(0).Add(-age)
	for i := range n {
		h.sk.Write(results.AckedWrite{ID: fmt.Sprintf("%s-%04d", prefix, i), Region: "eastus", Acked: at.Add(time.Duration(i) * time.Millisecond)})
	}
}

func (h *rbHarness) inject() time.Time {
	f, err := h.inj.Inject(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	h.rec.RecordEvent(results.Event{Time: f.Injected, Kind: results.EventFaultInjected, Fault: "f", Target: "eastus"})
	return f.Injected
}

func (h *rbHarness) heal() time.Time {
	if err := h.inj.Heal(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	healed := time.Now()
	h.rec.RecordEvent(results.Event{Time: healed, Kind: results.EventFaultHealed, Fault: "f", Target: "eastus"})
	return healed
}

// finish runs the after-heal phase and returns the run and its report.
func (h *rbHarness) finish(ctx context.Context, healed time.Time) (*results.Run, slo.Report) {
	h.rb.afterHeal(ctx, []chaos.Record{{Spec: chaos.Spec{Name: "f"}, Healed: healed}})
	if err := h.rec.Close(results.Trailer{Ended: time.Now(), Reason: "completed"}); err != nil {
		h.t.Fatal(err)
	}
	run, err := results.Read(bytes.NewReader(h.buf.b.Bytes()))
	if err != nil {
		h.t.Fatal(err)
	}
	return run, slo.Evaluate(run, slo.Options{})
}

func phaseIDs(run *results.Run, phase string) map[string]bool {
	out := map[string]bool{}
	for _, rb := range run.Readbacks {
		if rb.Phase == phase {
			out[rb.ID] = rb.Found
		}
	}
	return out
}

// TestReadbackNewestFirstHonestWhenShort: a store that answers one read at a
// time, 5 ms each, cannot serve 1,000 reads in the 0.5 s the fault lasts.
// The writes read must be the newest (no unread write newer than a read
// one), and the RPO INCONCLUSIVE with the count of the unread.
func TestReadbackNewestFirstHonestWhenShort(t *testing.T) {
	var mu sync.Mutex
	h := newRBHarness(t, func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		time.Sleep(5 * time.Millisecond)
		mu.Unlock()
	}, 0)
	h.write("w", 1000, 5*time.Second)
	h.inject()
	time.Sleep(500 * time.Millisecond)
	run, rep := h.finish(context.Background(), h.heal())
	first, again := phaseIDs(run, slo.PhaseAfterFault), phaseIDs(run, slo.PhaseAfterHeal)
	oldestRead := ""
	for id := range first {
		if oldestRead == "" || id < oldestRead {
			oldestRead = id
		}
	}
	for _, w := range run.Writes {
		if _, read := first[w.ID]; !read && !again[w.ID] && w.ID > oldestRead {
			t.Errorf("write %s never read, newer than %s which was", w.ID, oldestRead)
		}
	}
	f := rep.Faults[0]
	unread := 1000 - len(first) - len(again)
	if len(first) == 0 || len(first) > 200 || f.UnreadWrites != uint64(unread) || f.AckedWrites != 1000 {
		t.Errorf("%d read, %d re-read; report: %d candidates, %d unread, want 1000 and %d", len(first), len(again), f.AckedWrites, f.UnreadWrites, unread)
	}
	o := objectiveOf(&rep, "rpo", "fault:f")
	if want := fmt.Sprintf("%d of 1000 acknowledged writes not read back", unread); o.Verdict != slo.Inconclusive || !strings.HasPrefix(o.Reason, want) {
		t.Errorf("rpo %s %q, want INCONCLUSIVE %q", o.Verdict, o.Reason, want)
	}
}

// TestReadbackNeverDelaysHeal: every read hangs in the store; the heal must
// return all the same, and the reads the heal overtook are read again after
// it (the tail), which settles them.
func TestReadbackNeverDelaysHeal(t *testing.T) {
	release := make(chan struct{})
	var received atomic.Int64
	var healed atomic.Bool
	h := newRBHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if !healed.Load() {
			received.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
	}, 0)
	h.write("w", 50, time.Second)
	h.inject()
	for deadline := time.Now().Add(5 * time.Second); received.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no read reached the store")
		}
	}
	done := make(chan time.Time)
	go func() { healed.Store(true); done <- h.heal() }()
	var healedAt time.Time
	select {
	case healedAt = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the heal waited for the read-back")
	}
	close(release)
	run, rep := h.finish(context.Background(), healedAt)
	if n := len(phaseIDs(run, slo.PhaseAfterFault)); n != 0 {
		t.Errorf("%d first reads recorded; every one hung until after the heal", n)
	}
	f := rep.Faults[0]
	again := phaseIDs(run, slo.PhaseAfterHeal)
	// the reads in flight at the heal (the pool's first minReadWorkers) are its tail; the rest were never read
	if len(again) == 0 || len(again) > minReadWorkers || f.UnreadWrites != uint64(50-len(again)) {
		t.Errorf("%d re-read after the heal, report unread %d", len(again), f.UnreadWrites)
	}
}

// TestReadbackAfterHealRereadsOnlyAbsent: kept, late and lost writes before
// the fault and writes acknowledged during it. Only the absent are read
// again, and the report counts each kind.
func TestReadbackAfterHealRereadsOnlyAbsent(t *testing.T) {
	var healed atomic.Bool
	h := newRBHarness(t, func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/orders/")
		if strings.HasPrefix(id, "lost") || (strings.HasPrefix(id, "late") && !healed.Load()) {
			http.NotFound(w, r)
		}
	}, 20*time.Millisecond)
	h.write("kept", 10, 3*time.Second)
	h.write("late", 10, 2*time.Second)
	h.write("lost", 10, time.Second)
	h.inject()
	h.write("during", 10, 0)
	for deadline := time.Now().Add(5 * time.Second); h.firstReads() < 40; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 40 first reads after 5 s", h.firstReads())
		}
	}
	healed.Store(true)
	run, rep := h.finish(context.Background(), h.heal())
	again := phaseIDs(run, slo.PhaseAfterHeal)
	for id := range again {
		if !strings.HasPrefix(id, "late") && !strings.HasPrefix(id, "lost") {
			t.Errorf("write %s read again after the heal; it was found", id)
		}
	}
	f := rep.Faults[0]
	if f.AckedWrites != 40 || f.ReadWrites != 40 || f.AbsentWrites != 20 || f.LateWrites != 10 || f.LostWrites != 10 || f.UnreadWrites != 0 {
		t.Errorf("report %d candidates, %d read, %d absent, %d late, %d lost, %d unread; want 40 40 20 10 10 0",
			f.AckedWrites, f.ReadWrites, f.AbsentWrites, f.LateWrites, f.LostWrites, f.UnreadWrites)
	}
	if f.RPOS == nil || *f.RPOS < 0.99 || *f.RPOS > 1.1 {
		t.Errorf("RPO %v, want the oldest lost write's age at the injection, about 1 s", deref(f.RPOS))
	}
}

func (h *rbHarness) firstReads() int {
	h.rb.mu.Lock()
	defer h.rb.mu.Unlock()
	n := 0
	for _, fr := range h.rb.readers {
		fr.mu.Lock()
		n += fr.counts.read
		fr.mu.Unlock()
	}
	return n
}

// TestReadbackCancelled: Ctrl-C (the run's context) stops the reader with
// its reads in flight, and the after-heal phase neither waits for the heal to
// settle nor reads.
func TestReadbackCancelled(t *testing.T) {
	h := newRBHarness(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, 0)
	h.write("w", 20, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	f, err := h.inj.Inject(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.rec.RecordEvent(results.Event{Time: f.Injected, Kind: results.EventFaultInjected, Fault: "f", Target: "eastus"})
	time.Sleep(50 * time.Millisecond)
	cancel()
	healed := h.heal()
	began := time.Now()
	run, rep := h.finish(ctx, healed)
	if took := time.Since(began); took >= healSettle {
		t.Errorf("the interrupted after-heal phase took %v: it waited for the heal to settle (%v)", took, healSettle)
	}
	if len(run.Readbacks) != 0 || rep.Faults[0].UnreadWrites != 20 {
		t.Errorf("%d read-backs, %d unread; want none read, 20 unread", len(run.Readbacks), rep.Faults[0].UnreadWrites)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "interrupted before the after-heal read") {
		t.Errorf("notes %q do not say the read-back was interrupted", rep.Notes)
	}
}

func TestWorkersFor(t *testing.T) {
	tests := []struct {
		waiting int
		rate    float64
		lat     time.Duration
		want    int
	}{
		{0, 0, time.Millisecond, minReadWorkers},
		{60_000, 0, 500 * time.Microsecond, 19},            // 1.25 · 0.0005 · 30,000
		{1000, 500, 80 * time.Millisecond, 100},            // 1.25 · 0.08 · (500 + 500)
		{60_000, 0, 80 * time.Millisecond, maxReadWorkers}, // 3,000 wanted
	}
	for _, tt := range tests {
		if got := workersFor(tt.waiting, tt.rate, tt.lat); got != tt.want {
			t.Errorf("workersFor(%d, %g, %v) = %d, want %d", tt.waiting, tt.rate, tt.lat, got, tt.want)
		}
	}
}

// TestHeaderRecordsWritesAndLookback: the header names the write steps and
// the read-back's lookback, which the RPO's definitions need.
func TestHeaderRecordsWritesAndLookback(t *testing.T) {
	s := shortScenario(t, "default-failover", 100, 10*time.Second, 2*time.Second, 4*time.Second)
	h := header(s, &target{name: "embedded"}, time.Now(), "test")
	if len(h.WriteSteps) != 1 || h.WriteSteps[0] != scenario.StepCheckout || h.Targets.ReadbackLookback.Std() != readbackLookback {
		t.Errorf("write steps %v, lookback %v; want [checkout], %v", h.WriteSteps, h.Targets.ReadbackLookback, readbackLookback)
	}
	s.Load.Journeys[0].Steps = []string{scenario.StepBrowse}
	if h := header(s, &target{}, time.Now(), "test"); h.WriteSteps != nil {
		t.Errorf("a journey without checkout: write steps %v", h.WriteSteps)
	}
}

// TestPoolLimit drives the limit with a simulated target: one that serves
// W workers at W/latency reads a second up to its capacity, then no more.
// Against an unbounded one the limit must reach 512 in about a second of
// 80 ms reads; against one that saturates at 16 workers it must stay within
// a doubling of 16.
func TestPoolLimit(t *testing.T) {
	run := func(capacity int, lat time.Duration, d time.Duration) (limit, peak int) {
		l := newPoolLimit()
		now := time.Unix(0, 0)
		workers := l.limit
		for el := time.Duration(0); el < d; el += readbackPoll {
			now = now.Add(readbackPoll)
			// reads answered in one poll by workers against the target
			served := float64(min(workers, capacity)) * readbackPoll.Seconds() / lat.Seconds()
			for range int(served + 0.5) {
				l.read()
			}
			limit = l.observe(now, workers, true)
			workers, peak = limit, max(peak, limit)
		}
		return limit, peak
	}
	if limit, _ := run(1<<20, 80*time.Millisecond, 1500*time.Millisecond); limit != maxReadWorkers {
		t.Errorf("unbounded target, 80 ms reads: limit %d after 1.5 s, want %d", limit, maxReadWorkers)
	}
	if limit, peak := run(16, time.Millisecond, 10*time.Second); limit < 16 || peak > 64 {
		t.Errorf("target saturating at 16 workers: limit %d, peak %d; want 16…32, never above 64", limit, peak)
	}
}
