package results

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestRecordMatchesOutcomes checks a recorded stream against figures computed
// directly from the outcomes: counts, too slow, served-by and histogram per
// interval, and the failure list.
func TestRecordMatchesOutcomes(t *testing.T) {
	h := testHeader()
	outcomes := genTraffic(rand.New(rand.NewPCG(1, 2)), trafficSpec{n: 20000, duration: 30 * time.Second, failRate: 0.02, slowRate: 0.005})
	run := mustRead(t, record(t, h, outcomes))
	ex := expect(h, outcomes)
	if len(run.Intervals) != len(ex.intervals) {
		t.Fatalf("intervals: got %d, want %d", len(run.Intervals), len(ex.intervals))
	}
	for i := range run.Intervals {
		got := &run.Intervals[i]
		want := ex.intervals[ivTestKey{got.Start.UnixNano(), got.ClientRegion, got.Step}]
		if want == nil {
			t.Fatalf("unexpected interval %v %s/%s", got.Start, got.ClientRegion, got.Step)
		}
		if got.Counts != want.Counts || got.TooSlow != want.TooSlow || !mapsEqual(got.ServedBy, want.ServedBy) {
			t.Fatalf("interval %v %s/%s: got %v/%d/%v, want %v/%d/%v", got.Start, got.ClientRegion, got.Step,
				got.Counts, got.TooSlow, got.ServedBy, want.Counts, want.TooSlow, want.ServedBy)
		}
		if !slices.Equal(buckets(got), buckets(want)) {
			t.Fatalf("interval %v %s/%s: histogram differs", got.Start, got.ClientRegion, got.Step)
		}
	}
	if !slices.Equal(run.Failures, ex.failures) {
		t.Fatalf("failures: got %d, want %d", len(run.Failures), len(ex.failures))
	}
	if run.Trailer == nil || run.Trailer.Requests != uint64(len(outcomes)) || run.Trailer.Reason != "completed" {
		t.Fatalf("trailer: %+v", run.Trailer)
	}
}

// TestRoundTrip writes a read Run back and reads it again.
func TestRoundTrip(t *testing.T) {
	run := sampleRun(t)
	var buf bytes.Buffer
	if err := Write(&buf, run); err != nil {
		t.Fatal(err)
	}
	again := mustRead(t, buf.Bytes())
	if d := diffRuns(run, again); d != "" {
		t.Fatal(d)
	}
	if again.Header.Scenario != "test" || !again.Header.Started.Equal(t0) || again.Header.Targets != DefaultTargets() {
		t.Fatalf("header: %+v", again.Header)
	}
	if len(run.Writes) != 2 || len(run.Readbacks) != 2 || len(run.Events) != 2 || len(run.Failures) == 0 {
		t.Fatalf("sample run lacks records: %d writes, %d readbacks, %d events", len(run.Writes), len(run.Readbacks), len(run.Events))
	}
}

// sampleStream is a small stream with every record kind.
func sampleStream(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	clock := &fakeClock{t: t0}
	r, err := NewRecorder(testHeader(), &buf, WithClock(clock.Now), WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	outcomes := genTraffic(rand.New(rand.NewPCG(3, 4)), trafficSpec{n: 60, duration: 3 * time.Second, failRate: 0.1, slowRate: 0.05})
	healthy := false
	r.RecordEvent(Event{Time: t0.Add(time.Second), Kind: EventFaultInjected, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"})
	r.RecordEvent(Event{Time: t0.Add(1500 * time.Millisecond), Kind: EventProbe, Edge: "westeurope", Region: "eastus", Healthy: &healthy})
	for i := range outcomes {
		r.Record(&outcomes[i])
		if i == 30 {
			clock.Set(t0.Add(2 * time.Second))
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.RecordWrite(AckedWrite{ID: "order-1", Region: "eastus", ClientRegion: "eastus", Acked: t0.Add(900 * time.Millisecond)})
	r.RecordWrite(AckedWrite{ID: "order-2", Region: "westeurope", Acked: t0.Add(950 * time.Millisecond)})
	r.RecordReadback(Readback{ID: "order-1", Region: "westeurope", Time: t0.Add(3 * time.Second), Found: false, Phase: "after-fault", Fault: "eastus-down"})
	r.RecordReadback(Readback{ID: "order-2", Region: "westeurope", Time: t0.Add(3 * time.Second), Found: true, Phase: "after-fault"})
	clock.Set(t0.Add(4 * time.Second))
	if err := r.Close(Trailer{Reason: "completed"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sampleRun(t testing.TB) *Run { return mustRead(t, sampleStream(t)) }

// TestReadTruncatedEverywhere cuts a small stream at every byte offset: the
// reader must return what lies before the cut and say where it stopped.
func TestReadTruncatedEverywhere(t *testing.T) {
	b := sampleStream(t)
	full := mustRead(t, b)
	var prevRecords int
	for cut := 0; cut < len(b); cut++ {
		run, err := Read(bytes.NewReader(b[:cut]))
		var te *TruncatedError
		if run == nil {
			if err == nil || errors.As(err, &te) {
				t.Fatalf("cut %d: nil run with error %v", cut, err)
			}
			continue
		}
		if !errors.As(err, &te) {
			t.Fatalf("cut %d: got error %v, want a TruncatedError", cut, err)
		}
		if run.Trailer != nil || te.Offset > int64(cut) || te.Records < prevRecords {
			t.Fatalf("cut %d: trailer %v, offset %d, records %d (before %d)", cut, run.Trailer, te.Offset, te.Records, prevRecords)
		}
		prevRecords = te.Records
		if (te.Offset == int64(cut)) != errors.Is(err, ErrNoTrailer) {
			t.Fatalf("cut %d at offset %d: %v", cut, te.Offset, err)
		}
		// The prefix up to the offset reads to the same run.
		again, _ := Read(bytes.NewReader(b[:te.Offset]))
		if d := diffRuns(run, again); d != "" {
			t.Fatalf("cut %d: %s", cut, d)
		}
		if requests(run) > requests(full) || len(run.Failures) > len(full.Failures) {
			t.Fatalf("cut %d: more data than the whole stream", cut)
		}
	}
}

func requests(r *Run) uint64 {
	var n uint64
	for i := range r.Intervals {
		n += r.Intervals[i].Requests()
	}
	return n
}

// TestReadCorruptByte flips each byte of a stream: the reader must not panic
// and must notice (the CRC covers every record).
func TestReadCorruptByte(t *testing.T) {
	b := sampleStream(t)
	for i := range b {
		c := slices.Clone(b)
		c[i] ^= 0x40
		run, err := Read(bytes.NewReader(c))
		if err == nil && diffRuns(run, mustRead(t, b)) != "" {
			t.Fatalf("byte %d flipped: read without error but different", i)
		}
	}
}

func TestReadRejects(t *testing.T) {
	if _, err := Read(bytes.NewReader([]byte(`{"schema":"slocheck/results/v1"}`))); !errors.Is(err, ErrNotStream) {
		t.Fatalf("JSON input: %v", err)
	}
	b := sampleStream(t)
	b[len(magic)] = 2
	if _, err := Read(bytes.NewReader(b)); err == nil {
		t.Fatal("version 2 accepted")
	}
}

// TestCrashKeepsFlushedIntervals writes without Close, as a crashed run
// would: the reader returns the flushed intervals and ErrNoTrailer.
func TestCrashKeepsFlushedIntervals(t *testing.T) {
	var buf bytes.Buffer
	clock := &fakeClock{t: t0}
	r, err := NewRecorder(testHeader(), &buf, WithClock(clock.Now), WithoutTicker(), WithFlushLag(0))
	if err != nil {
		t.Fatal(err)
	}
	for s := range 5 {
		o := Outcome{ClientRegion: "eastus", Step: "cart", Intended: t0.Add(time.Duration(s) * time.Second), Status: 200}
		o.End = o.Intended.Add(10 * time.Millisecond)
		clock.Set(o.End)
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		r.Record(&o)
	}
	run, err := Read(bytes.NewReader(buf.Bytes()))
	if !errors.Is(err, ErrNoTrailer) {
		t.Fatalf("got %v, want ErrNoTrailer", err)
	}
	// Intervals 0..3 ended before the last flush; interval 4 is lost.
	if len(run.Intervals) != 4 || !run.Intervals[3].Start.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("got %d intervals", len(run.Intervals))
	}
}

// TestLateOutcomeCombines records an outcome after its interval was written:
// it becomes a second record, which the reader adds to the first.
func TestLateOutcomeCombines(t *testing.T) {
	var buf bytes.Buffer
	clock := &fakeClock{t: t0}
	r, _ := NewRecorder(testHeader(), &buf, WithClock(clock.Now), WithoutTicker())
	o := Outcome{ClientRegion: "eastus", Step: "cart", Intended: t0.Add(500 * time.Millisecond), Status: 200}
	o.End = o.Intended.Add(20 * time.Millisecond)
	r.Record(&o)
	clock.Set(t0.Add(1300 * time.Millisecond))
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	written := buf.Len()
	o.End = o.Intended.Add(1900 * time.Millisecond)
	r.Record(&o)
	if err := r.Close(Trailer{}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= written {
		t.Fatal("nothing written at close")
	}
	run := mustRead(t, buf.Bytes())
	if len(run.Intervals) != 1 || run.Intervals[0].Counts[ErrNone] != 2 || run.Intervals[0].LatencyCount() != 2 {
		t.Fatalf("got %+v", run.Intervals)
	}
	if run.Trailer.Requests != 2 || run.Trailer.Reason != "" {
		t.Fatalf("trailer %+v", run.Trailer)
	}
}

// TestStragglerAfterRingMoved records an outcome whose ring slot a newer
// interval holds, and one whose slot an unflushed older interval holds.
func TestStragglerAfterRingMoved(t *testing.T) {
	h := testHeader()
	var outcomes []Outcome
	for _, s := range []int{0, ringSize, 0, 2 * ringSize} { // no flushes between: slots collide both ways
		o := Outcome{ClientRegion: "westeurope", Step: "product", Intended: t0.Add(time.Duration(s) * time.Second), Status: 200}
		o.End = o.Intended.Add(time.Duration(s+1) * time.Millisecond)
		outcomes = append(outcomes, o)
	}
	var buf bytes.Buffer
	r, _ := NewRecorder(h, &buf, WithoutTicker(), WithStripes(1))
	for i := range outcomes {
		r.Record(&outcomes[i])
	}
	if err := r.Close(Trailer{}); err != nil {
		t.Fatal(err)
	}
	run := mustRead(t, buf.Bytes())
	ex := expect(h, outcomes)
	if len(run.Intervals) != 3 {
		t.Fatalf("got %d intervals", len(run.Intervals))
	}
	for i := range run.Intervals {
		got := &run.Intervals[i]
		want := ex.intervals[ivTestKey{got.Start.UnixNano(), got.ClientRegion, got.Step}]
		if got.Counts != want.Counts || !slices.Equal(buckets(got), buckets(want)) {
			t.Fatalf("interval %v differs", got.Start)
		}
	}
}

func TestClassification(t *testing.T) {
	h := testHeader()
	at := t0.Add(100 * time.Millisecond)
	outcomes := []Outcome{
		{ClientRegion: "eastus", Step: "cart", Intended: at, End: at.Add(2 * time.Second), Status: 200},                  // at the timeout: success
		{ClientRegion: "eastus", Step: "cart", Intended: at, End: at.Add(2*time.Second + time.Microsecond), Status: 200}, // too slow
		{ClientRegion: "eastus", Step: "cart", Intended: at, End: at.Add(5 * time.Millisecond), Status: 404, Err: Err4xx},
		{ClientRegion: "eastus", Step: "cart", Intended: at, Err: ErrDropped},
		{ClientRegion: "eastus", Step: "cart", Intended: at, End: at.Add(time.Millisecond), Status: 429, Err: Err5xx},
		{ClientRegion: "eastus", Step: "cart", Intended: at, End: at.Add(time.Millisecond), Err: ErrorKind(200)}, // unknown kind
	}
	run := mustRead(t, record(t, h, outcomes))
	iv := run.Intervals[0]
	// Only the answer at the timeout succeeds: the 404 is a client error.
	if iv.Requests() != 6 || iv.Failures() != 5 || iv.Successes() != 1 || iv.TooSlow != 1 || iv.LatencyCount() != 1 || iv.Counts[ErrOther] != 1 {
		t.Fatalf("got %+v", iv)
	}
	if len(run.Failures) != 5 || !run.Failures[0].Time.Equal(at) || run.Failures[0].Err != ErrDropped {
		t.Fatalf("failures %+v", run.Failures)
	}
	var clientErrors int
	for _, f := range run.Failures {
		if f.Err == Err4xx && f.Status == 404 && f.Err.Label() == "client error" {
			clientErrors++
		}
	}
	if clientErrors != 1 {
		t.Fatalf("want one client-error failure (404), got %d in %+v", clientErrors, run.Failures)
	}
}

// TestConcurrentRecord records from many goroutines while the ticker runs.
func TestConcurrentRecord(t *testing.T) {
	h := testHeader()
	h.Started = time.Now()
	h.Interval = Duration(20 * time.Millisecond)
	var buf syncBuffer
	r, err := NewRecorder(h, &buf, WithFlushLag(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 5000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for i := range each {
				o := Outcome{ClientRegion: testRegions[rng.IntN(2)], Step: testSteps[rng.IntN(4)], Intended: time.Now(), Status: 200}
				if i%100 == 0 {
					o.Err = ErrReset
				}
				o.End = o.Intended.Add(time.Duration(rng.IntN(1000)) * time.Microsecond)
				r.Record(&o)
				if i%2500 == 0 { // a progress line, now and then
					_ = r.Snapshot()
				}
			}
		})
	}
	wg.Wait()
	live := r.Snapshot()
	if live.Requests != workers*each || live.Failures != workers*each/100 || len(live.Regions) != 2 {
		t.Fatalf("live: %+v", live)
	}
	if err := r.Close(Trailer{Reason: "completed"}); err != nil {
		t.Fatal(err)
	}
	run := mustRead(t, buf.Bytes())
	if requests(run) != workers*each || len(run.Failures) != workers*each/100 || run.Trailer.Requests != workers*each {
		t.Fatalf("got %d requests, %d failures", requests(run), len(run.Failures))
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func TestSnapshot(t *testing.T) {
	clock := &fakeClock{t: t0}
	r, _ := NewRecorder(testHeader(), io.Discard, WithClock(clock.Now), WithoutTicker())
	for i := range 100 { // latencies 1..100 ms in eastus; one failure in westeurope
		o := Outcome{ClientRegion: "eastus", Step: "catalog", Intended: t0.Add(time.Duration(i) * 30 * time.Millisecond)}
		o.End = o.Intended.Add(time.Duration(i+1) * time.Millisecond)
		r.Record(&o)
		if i == 50 {
			clock.Set(t0.Add(2 * time.Second))
			_ = r.Flush()
		}
	}
	r.Record(&Outcome{ClientRegion: "westeurope", Step: "cart", Intended: t0, Err: ErrRefused})
	clock.Set(t0.Add(3 * time.Second))
	l := r.Snapshot()
	if l.Requests != 101 || l.Failures != 1 || l.Elapsed != 3*time.Second || len(l.Regions) != 2 {
		t.Fatalf("live %+v", l)
	}
	// The 99th of 1..100 ms by nearest rank is 99 ms (HDR reports its bucket's top).
	if l.P99 < 99*time.Millisecond || l.P99 > 99*time.Millisecond+100*time.Microsecond || l.Regions[0].P99 != l.P99 || l.Regions[1].P99 != 0 {
		t.Fatalf("p99 %v, regions %+v", l.P99, l.Regions)
	}
}

// TestWriteErrorReturned: a failing writer's error reaches Close.
func TestWriteErrorReturned(t *testing.T) {
	w := &failWriter{after: 1}
	r, err := NewRecorder(testHeader(), w, WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	o := Outcome{ClientRegion: "eastus", Step: "cart", Intended: t0, End: t0.Add(time.Millisecond)}
	r.Record(&o)
	if err := r.Close(Trailer{}); err == nil || !errors.Is(err, errDiskFull) {
		t.Fatalf("close: %v", err)
	}
	if _, err := NewRecorder(testHeader(), &failWriter{}); !errors.Is(err, errDiskFull) {
		t.Fatalf("new: %v", err)
	}
}

var errDiskFull = errors.New("disk full")

type failWriter struct{ after, n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n >= w.after {
		return 0, errDiskFull
	}
	w.n++
	return len(p), nil
}

func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, sampleStream(t), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := ReadFile(path)
	if err != nil || run.Trailer == nil {
		t.Fatalf("read file: %v", err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing file read")
	}
}

// TestUndeclaredNames: a client region or step the header did not declare is
// recorded, and the reader adds it to the header's lists.
func TestUndeclaredNames(t *testing.T) {
	h := testHeader()
	o := Outcome{ClientRegion: "brazilsouth", Step: "search", Intended: t0, Err: ErrReset}
	o.End = t0.Add(time.Millisecond)
	run := mustRead(t, record(t, h, []Outcome{o}))
	if !slices.Contains(run.Header.ClientRegions, "brazilsouth") || !slices.Contains(run.Header.Steps, "search") ||
		len(run.Header.ClientRegions) != 3 || len(run.Intervals) != 1 || len(run.Failures) != 1 {
		t.Fatalf("header %v %v, %d intervals", run.Header.ClientRegions, run.Header.Steps, len(run.Intervals))
	}
}

// TestTickerFlushes: without any Flush or Close call, the ticker writes an
// interval once it has ended (plus the lag), so a crash after it keeps it.
func TestTickerFlushes(t *testing.T) {
	h := testHeader()
	h.Started = time.Now()
	h.Interval = Duration(20 * time.Millisecond)
	var buf syncBuffer
	r, err := NewRecorder(h, &buf, WithFlushLag(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(Trailer{})
	o := Outcome{ClientRegion: "eastus", Step: "cart", Intended: time.Now(), Status: 200}
	o.End = o.Intended.Add(time.Millisecond)
	r.Record(&o)
	// The interval ends within 20 ms and is due 5 ms later; wait far longer
	// than that on a busy machine before calling it lost.
	deadline := time.Now().Add(10 * time.Second)
	for {
		run, err := Read(bytes.NewReader(buf.Bytes()))
		if errors.Is(err, ErrNoTrailer) && requests(run) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("interval not written by the ticker: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Health and threshold records (format 1.1) survive the recorder, Write and
// Merge, in order.
func TestHealthAndThresholdRecords(t *testing.T) {
	h := testHeader()
	var buf bytes.Buffer
	rec, err := NewRecorder(h, &buf, WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	want := []Health{
		{Start: h.Started, Sends: 10, SendLagMax: Duration(3 * time.Millisecond), SendLagP99: Duration(2 * time.Millisecond), CPUProcess: 0.4, CPUMachine: 0.9, CPUs: 2},
		{Start: h.Started.Add(time.Second), Sends: 12, SendLagMax: Duration(80 * time.Millisecond), TimerOvershootMax: Duration(5 * time.Millisecond)},
	}
	for _, x := range want {
		rec.RecordHealth(x)
	}
	th := Threshold{Metric: "http_req_failed", Expr: "rate<0.01", Passed: false}
	rec.RecordThreshold(th)
	if err := rec.Close(Trailer{Reason: "completed"}); err != nil {
		t.Fatal(err)
	}
	run := mustRead(t, buf.Bytes())
	if len(run.Health) != 2 || run.Health[1].SendLagMax != want[1].SendLagMax || run.Health[0].CPUMachine != 0.9 {
		t.Fatalf("health = %+v, want %+v", run.Health, want)
	}
	if len(run.Thresholds) != 1 || run.Thresholds[0] != th {
		t.Fatalf("thresholds = %+v, want %+v", run.Thresholds, th)
	}
	var again bytes.Buffer
	if err := Write(&again, run); err != nil {
		t.Fatal(err)
	}
	if back := mustRead(t, again.Bytes()); len(back.Health) != 2 || len(back.Thresholds) != 1 {
		t.Fatalf("Write lost records: %d health, %d thresholds", len(back.Health), len(back.Thresholds))
	}
	m, err := Merge(run, run)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Health) != 4 || len(m.Thresholds) != 2 {
		t.Fatalf("Merge: %d health, %d thresholds; want 4 and 2", len(m.Health), len(m.Thresholds))
	}
}
