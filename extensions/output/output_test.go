package output

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"go.k6.io/k6/errext"
	"go.k6.io/k6/lib"
	"go.k6.io/k6/lib/executor"
	"go.k6.io/k6/metrics"
	k6output "go.k6.io/k6/output"

	"github.com/slocheck/slocheck/extensions/internal/bridge"
	"github.com/slocheck/slocheck/results"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// fixture is an output with a registry to make samples from.
type fixture struct {
	reg    *metrics.Registry
	bm     *metrics.BuiltinMetrics
	writes *metrics.Metric
	events *metrics.Metric
	out    *Output
	path   string
}

func newFixture(t *testing.T, header results.Header) *fixture {
	t.Helper()
	reg := metrics.NewRegistry()
	f := &fixture{reg: reg, bm: metrics.RegisterBuiltinMetrics(reg), path: filepath.Join(t.TempDir(), "k6.stream")}
	f.writes = reg.MustNewMetric(bridge.MetricWrites, metrics.Counter)
	f.events = reg.MustNewMetric(bridge.MetricEvents, metrics.Counter)
	hj, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	us := executor.NewConstantArrivalRateConfig("us")
	us.Tags = map[string]string{"client_region": "us"}
	us.Env = map[string]string{bridge.EnvSteps: "browse,product,cart,checkout"}
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	o, err := New(k6output.Params{
		ConfigArgument: f.path,
		Environment:    map[string]string{EnvHeader: string(hj)},
		Logger:         logger,
		ScriptOptions:  lib.Options{Scenarios: lib.ScenarioConfigs{"us": us}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.out = o.(*Output)
	f.out.SetBuiltinMetrics(f.bm)
	return f
}

func (f *fixture) request(end time.Time, dur time.Duration, region, step string, status, code int) metrics.SampleContainer {
	tags := map[string]string{"client_region": region, "step": step, "status": strconv.Itoa(status), "scenario": region}
	if code != 0 {
		tags["error_code"] = strconv.Itoa(code)
	}
	ts := f.reg.RootTagSet().WithTagsFromMap(tags)
	// The shape k6's HTTP module sends: a connected container whose
	// http_req_duration sits among the other HTTP metrics.
	return metrics.ConnectedSamples{Tags: ts, Time: end, Samples: []metrics.Sample{
		{TimeSeries: metrics.TimeSeries{Metric: f.bm.HTTPReqs, Tags: ts}, Time: end, Value: 1},
		{TimeSeries: metrics.TimeSeries{Metric: f.bm.HTTPReqDuration, Tags: ts}, Time: end, Value: metrics.D(dur)},
		{TimeSeries: metrics.TimeSeries{Metric: f.bm.HTTPReqWaiting, Tags: ts}, Time: end, Value: metrics.D(dur)},
	}}
}

func (f *fixture) counter(m *metrics.Metric, at time.Time, v float64, tags, meta map[string]string) metrics.SampleContainer {
	return metrics.Samples{{TimeSeries: metrics.TimeSeries{Metric: m, Tags: f.reg.RootTagSet().WithTagsFromMap(tags)}, Time: at, Value: v, Metadata: meta}}
}

// TestOutputStream feeds synthetic k6 samples through the output and checks
// the stream against what was fed: counts per client region and step, each
// failure, dropped iterations, writes, events, and the p99 against the exact
// nearest-rank p99 of the fed latencies.
func TestOutputStream(t *testing.T) {
	h := results.Header{Scenario: "failover", Engine: "k6", Target: "embedded", Targets: results.DefaultTargets()}
	f := newFixture(t, h)
	if err := f.out.Start(); err != nil {
		t.Fatal(err)
	}
	// A write and an event that come before any request wait for the header.
	early := results.AckedWrite{ID: "o-early", Region: "eastus", ClientRegion: "us", Acked: t0.Add(-time.Second)}
	f.out.AddMetricSamples([]metrics.SampleContainer{f.counter(f.writes, t0, 1, map[string]string{"client_region": "us"}, bridge.WriteMetadata(early))})
	time.Sleep(3 * flushPeriod) // let the flusher see it alone

	rng := rand.New(rand.NewPCG(1, 2))
	steps := []string{"browse", "product", "cart", "checkout"}
	var lat []time.Duration
	want := map[[2]string]uint64{}
	var wantFails int
	first := t0.Add(time.Hour)
	var batch []metrics.SampleContainer
	for i := range 6000 {
		region := []string{"us", "eu"}[i%2]
		step := steps[i%4]
		dur := time.Duration(2e6 + rng.ExpFloat64()*15e6) // 2 ms + exp(15 ms)
		intended := t0.Add(time.Duration(i) * 1500 * time.Microsecond)
		if intended.Before(first) {
			first = intended
		}
		status, code := 200, 0
		switch {
		case i%97 == 0:
			status, code = 503, 503
		case i%89 == 0:
			status, code = 0, 1212
		}
		if status == 200 {
			lat = append(lat, dur)
		} else {
			wantFails++
		}
		want[[2]string{region, step}]++
		batch = append(batch, f.request(intended.Add(dur), dur, region, step, status, code))
		if len(batch) == 500 {
			f.out.AddMetricSamples(batch)
			batch = nil
		}
	}
	f.out.AddMetricSamples(batch)
	f.out.AddMetricSamples([]metrics.SampleContainer{
		f.counter(f.bm.DroppedIterations, t0.Add(3*time.Second), 1, map[string]string{"scenario": "us"}, nil),
		f.counter(f.events, t0.Add(4*time.Second), 1, nil, bridge.EventMetadata(results.Event{Kind: results.EventFaultInjected, Fault: "f1", Target: "eastus", Mode: "down", Injector: "platform"})),
	})
	if err := f.out.Stop(); err != nil {
		t.Fatal(err)
	}

	run, err := results.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Header.Started.Equal(first) || run.Header.Scenario != "failover" || run.Header.Generator != Generator || run.Header.Versions["k6"] == "" {
		t.Errorf("header %+v: want the first intended start %v, the scenario and generator", run.Header, first)
	}
	got := map[[2]string]uint64{}
	var dropped uint64
	for _, iv := range run.Intervals {
		got[[2]string{iv.ClientRegion, iv.Step}] += iv.Requests() - iv.Counts[results.ErrDropped]
		dropped += iv.Counts[results.ErrDropped]
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v: %d requests in the stream, %d fed", k, got[k], n)
		}
	}
	if dropped != 4 {
		t.Errorf("one dropped iteration of a 4-step scenario gave %d dropped requests, want 4", dropped)
	}
	if fails := len(run.Failures) - int(dropped); fails != wantFails {
		t.Errorf("%d failures (besides dropped) in the stream, %d fed", fails, wantFails)
	}
	if len(run.Writes) != 1 || run.Writes[0] != early {
		t.Errorf("writes %+v, want the early one", run.Writes)
	}
	if len(run.Events) != 1 || run.Events[0].Fault != "f1" || !run.Events[0].Time.Equal(t0.Add(4*time.Second)) {
		t.Errorf("events %+v", run.Events)
	}
	if run.Trailer == nil || run.Trailer.Reason != "completed" || run.Trailer.Requests != uint64(6000+4) {
		t.Errorf("trailer %+v, want completed with 6004 requests", run.Trailer)
	}
	checkP99(t, run, lat)
}

// checkP99 compares the stream's p99 with the exact nearest-rank p99 of lat:
// equal within the histogram's precision (3 significant digits, µs unit).
func checkP99(t *testing.T, run *results.Run, lat []time.Duration) {
	t.Helper()
	slices.Sort(lat)
	exact := lat[(len(lat)*99+99)/100-1] // ⌈0.99 n⌉-th smallest
	h := run.LatencyHistogram(nil)
	if h.TotalCount() != int64(len(lat)) {
		t.Fatalf("histogram holds %d latencies, %d successes fed", h.TotalCount(), len(lat))
	}
	// What a report shows: the ⌈0.99 n⌉-th smallest at the histogram's
	// precision (its bucket's highest equivalent value, in µs).
	rank, seen, got := (h.TotalCount()*99+99)/100, int64(0), time.Duration(0)
	for _, b := range h.Distribution() {
		if seen += b.Count; seen >= rank {
			got = time.Duration(b.To) * time.Microsecond
			break
		}
	}
	tol := exact/1000 + time.Microsecond
	if d := got - exact; d < -tol || d > tol {
		t.Errorf("p99 %v, exact %v: off by %v (precision %v)", got, exact, d, tol)
	}
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	w       io.Writer
	release chan struct{}
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return b.w.Write(p)
}

// TestAddMetricSamplesNeverBlocks stalls the stream's writer and checks that
// k6 can still hand over samples: AddMetricSamples only appends to a buffer.
func TestAddMetricSamplesNeverBlocks(t *testing.T) {
	f := newFixture(t, results.Header{})
	bw := &blockingWriter{release: make(chan struct{})}
	f.out.wrap = func(w io.Writer) io.Writer { bw.w = w; return bw }
	if err := f.out.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20000 {
			end := t0.Add(time.Duration(i) * time.Millisecond)
			f.out.AddMetricSamples([]metrics.SampleContainer{f.request(end, time.Millisecond, "us", "browse", 200, 0)})
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // it would wait for the release forever
		t.Error("AddMetricSamples blocked while the stream's writer was stalled")
	}
	close(bw.release)
	if err := f.out.Stop(); err != nil {
		t.Fatal(err)
	}
	run, err := results.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if run.Trailer == nil || run.Trailer.Requests != 20000 {
		t.Errorf("trailer %+v, want 20000 requests", run.Trailer)
	}
}

// TestStopWithoutTraffic still leaves a readable stream with a trailer.
func TestStopWithoutTraffic(t *testing.T) {
	f := newFixture(t, results.Header{})
	f.out.now = func() time.Time { return t0 }
	if err := f.out.Start(); err != nil {
		t.Fatal(err)
	}
	if err := f.out.StopWithTestError(io.ErrUnexpectedEOF); err != nil {
		t.Fatal(err)
	}
	run, err := results.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Header.Started.Equal(t0) || run.Trailer == nil || run.Trailer.Reason != "error: unexpected EOF" {
		t.Errorf("header start %v, trailer %+v", run.Header.Started, run.Trailer)
	}
	if !slices.Equal(run.Header.ClientRegions, []string{"us"}) {
		t.Errorf("client regions %v, want the scenario's [us]", run.Header.ClientRegions)
	}
}

func TestTrailerReason(t *testing.T) {
	thresholds := errext.WithAbortReasonIfNone(errors.New("thresholds crossed"), errext.AbortedByThresholdsAfterTestEnd)
	user := errext.WithAbortReasonIfNone(errors.New("stopped"), errext.AbortedByUser)
	script := errext.WithAbortReasonIfNone(errors.New("boom"), errext.AbortedByScriptError)
	for _, c := range []struct {
		err  error
		want string
	}{{nil, "completed"}, {thresholds, "completed"}, {user, "interrupted"}, {script, "error: boom"}} {
		if got := trailerReason(c.err); got != c.want {
			t.Errorf("trailerReason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// BenchmarkOutputFlush is the output's own cost per HTTP request: k6's
// samples of one request (a connected container of HTTP metrics) converted
// and recorded, as the flusher does every 100 ms.
func BenchmarkOutputFlush(b *testing.B) {
	f := newBenchFixture(b)
	if err := f.out.Start(); err != nil {
		b.Fatal(err)
	}
	const batch = 1000
	reqs := make([]metrics.SampleContainer, batch)
	start := time.Now()
	for i := range reqs {
		reqs[i] = f.request(start.Add(time.Duration(i)*time.Millisecond), 3*time.Millisecond, []string{"us", "eu"}[i%2], "browse", 200, 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		f.out.AddMetricSamples(reqs[:min(batch, b.N-i)])
		f.out.flush()
	}
	b.StopTimer()
	if err := f.out.Stop(); err != nil {
		b.Fatal(err)
	}
}

func newBenchFixture(b *testing.B) *fixture {
	b.Helper()
	reg := metrics.NewRegistry()
	f := &fixture{reg: reg, bm: metrics.RegisterBuiltinMetrics(reg), path: filepath.Join(b.TempDir(), "k6.stream")}
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	o, err := New(k6output.Params{ConfigArgument: f.path, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	f.out = o.(*Output)
	f.out.SetBuiltinMetrics(f.bm)
	return f
}
