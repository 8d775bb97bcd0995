package bridge

import (
	"testing"
	"time"

	"go.k6.io/k6/metrics"

	"github.com/slocheck/slocheck/results"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func sample(reg *metrics.Registry, m *metrics.Metric, at time.Time, v float64, tags map[string]string) *metrics.Sample {
	return &metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: m, Tags: reg.RootTagSet().WithTagsFromMap(tags)},
		Time:       at, Value: v,
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		status, code int
		want         results.ErrorKind
	}{
		{200, 0, results.ErrNone},
		{201, 0, results.ErrNone},
		{302, 0, results.ErrNone},
		{404, 404, results.Err4xx},
		{429, 429, results.Err5xx},
		{502, 502, results.Err5xx},
		{503, 503, results.Err5xx},
		{0, 1050, results.ErrTimeout},
		{0, 1211, results.ErrTimeout},
		{0, 1212, results.ErrRefused},
		{0, 1220, results.ErrReset},
		{0, 1201, results.ErrReset},
		{0, 1101, results.ErrOther},
		{0, 0, results.ErrOther},
	}
	for _, c := range cases {
		if got := Classify(c.status, c.code); got != c.want {
			t.Errorf("Classify(%d, %d) = %v, want %v", c.status, c.code, got, c.want)
		}
	}
}

func TestRequestIntendedIsEndMinusDuration(t *testing.T) {
	reg := metrics.NewRegistry()
	bm := metrics.RegisterBuiltinMetrics(reg)
	end := t0.Add(1500 * time.Millisecond)
	s := sample(reg, bm.HTTPReqDuration, end, 12.345678, map[string]string{
		"client_region": "us", "step": "checkout", "status": "201", "scenario": "us",
	})
	var c Converter
	var o results.Outcome
	if !c.Request(s, &o) {
		t.Fatal("a load request was skipped")
	}
	wantIntended := end.Add(-12345678 * time.Nanosecond)
	if !o.Intended.Equal(wantIntended) || !o.End.Equal(end) || o.Latency() != 12345678*time.Nanosecond {
		t.Errorf("intended %v end %v latency %v; want intended %v, latency 12.345678ms", o.Intended, o.End, o.Latency(), wantIntended)
	}
	if o.ClientRegion != "us" || o.Step != "checkout" || o.Status != 201 || o.Err != results.ErrNone {
		t.Errorf("outcome %+v", o)
	}
}

func TestRequestFallbacksAndSetup(t *testing.T) {
	reg := metrics.NewRegistry()
	bm := metrics.RegisterBuiltinMetrics(reg)
	c := Converter{Scenarios: map[string]Scenario{"west": {ClientRegion: "eu"}}}
	var o results.Outcome
	s := sample(reg, bm.HTTPReqDuration, t0, 1, map[string]string{"scenario": "west", "status": "0", "error_code": "1212"})
	if !c.Request(s, &o) || o.ClientRegion != "eu" || o.Step != OtherStep || o.Err != results.ErrRefused {
		t.Errorf("untagged request: %+v", o)
	}
	s = sample(reg, bm.HTTPReqDuration, t0, 1, map[string]string{"group": "::setup", "status": "200"})
	if c.Request(s, &o) {
		t.Error("a setup() request counted as load")
	}
}

func TestDroppedIterationsExpandToSteps(t *testing.T) {
	reg := metrics.NewRegistry()
	bm := metrics.RegisterBuiltinMetrics(reg)
	c := Converter{Scenarios: map[string]Scenario{
		"us": ScenarioOf("us", map[string]string{"client_region": "us"}, map[string]string{EnvSteps: "browse, product,cart,checkout"}),
	}}
	var got []results.Outcome
	var o results.Outcome
	c.Dropped(sample(reg, bm.DroppedIterations, t0, 2, map[string]string{"scenario": "us"}), &o, func(o *results.Outcome) { got = append(got, *o) })
	if len(got) != 8 {
		t.Fatalf("2 dropped iterations of a 4-step journey gave %d dropped requests, want 8", len(got))
	}
	for i, o := range got {
		if o.Err != results.ErrDropped || o.ClientRegion != "us" || o.Step != []string{"browse", "product", "cart", "checkout"}[i%4] || !o.Intended.Equal(t0) {
			t.Errorf("dropped[%d] = %+v", i, o)
		}
	}
	got = nil
	c.Dropped(sample(reg, bm.DroppedIterations, t0, 1, map[string]string{"scenario": "other"}), &o, func(o *results.Outcome) { got = append(got, *o) })
	if len(got) != 1 || got[0].Step != IterationStep || got[0].ClientRegion != "other" {
		t.Errorf("a scenario without steps: %+v", got)
	}
}

func TestWriteAndEventRoundTrip(t *testing.T) {
	reg := metrics.NewRegistry()
	m := reg.MustNewMetric(MetricWrites, metrics.Counter)
	w := results.AckedWrite{ID: "o-1", Region: "eastus", ClientRegion: "us", Acked: t0.Add(123456789)}
	s := sample(reg, m, t0.Add(time.Second), 1, map[string]string{"client_region": "us"})
	s.Metadata = WriteMetadata(w)
	got, err := Write(s)
	if err != nil || got != w {
		t.Errorf("Write = %+v, %v; want %+v", got, err, w)
	}
	s.Metadata = map[string]string{MetaRegion: "eastus"}
	if _, err := Write(s); err == nil {
		t.Error("a write without an id was accepted")
	}

	em := reg.MustNewMetric(MetricEvents, metrics.Counter)
	e := results.Event{Time: t0, Kind: results.EventFaultInjected, Fault: "f", Injector: "platform", Target: "eastus", Mode: "down"}
	s = sample(reg, em, t0, 1, nil)
	s.Metadata = EventMetadata(e)
	ge, err := Event(s)
	if err != nil || ge.Time != e.Time || ge.Kind != e.Kind || ge.Fault != e.Fault || ge.Target != e.Target || ge.Mode != e.Mode || ge.Injector != e.Injector {
		t.Errorf("Event = %+v, %v; want %+v", ge, err, e)
	}
}
