package module_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/modulestest"
	"go.k6.io/k6/lib"
	"go.k6.io/k6/metrics"

	"github.com/slocheck/slocheck/extensions/internal/bridge"
	"github.com/slocheck/slocheck/extensions/module"
	"github.com/slocheck/slocheck/results"
)

// newRuntime is a k6 JS runtime with the module loaded as `slocheck`, the
// environment env, still in the init context.
func newRuntime(t *testing.T, env map[string]string) *modulestest.Runtime {
	t.Helper()
	rt := modulestest.NewRuntime(t)
	rt.VU.InitEnvField.RuntimeOptions.Env = env
	if err := rt.SetupModuleSystem(map[string]any{module.ImportPath: module.New()}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.RunOnEventLoop(`var slocheck = require("` + module.ImportPath + `")`); err != nil {
		t.Fatal(err)
	}
	return rt
}

// toVU moves rt to a VU's context whose scenario tags it with clientRegion;
// the returned channel receives the VU's samples.
func toVU(rt *modulestest.Runtime, clientRegion string) chan metrics.SampleContainer {
	samples := make(chan metrics.SampleContainer, 100)
	reg := rt.VU.InitEnvField.Registry
	tags := reg.RootTagSet().With("scenario", clientRegion)
	if clientRegion != "" {
		tags = tags.With("client_region", clientRegion)
	}
	rt.MoveToVUContext(&lib.State{
		Samples: samples,
		Tags:    lib.NewVUStateTags(tags),
		Options: lib.Options{},
	})
	return samples
}

func run(t *testing.T, rt *modulestest.Runtime, code string) sobek.Value {
	t.Helper()
	v, err := rt.RunOnEventLoop(code)
	if err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	return v
}

func runJSON(t *testing.T, rt *modulestest.Runtime, code string, dst any) {
	t.Helper()
	s := run(t, rt, "JSON.stringify("+code+")").String()
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		t.Fatalf("%s = %s: %v", code, s, err)
	}
}

var edges = `{"us": "http://127.0.0.1:1001/", "eu": "http://127.0.0.1:1002"}`

func TestClientRegionAndEdges(t *testing.T) {
	rt := newRuntime(t, map[string]string{"SLOCHECK_EDGES": edges, "SLOCHECK_EDGE_EU": "http://127.0.0.1:2002", "SLOCHECK_TIMEOUT": "2s"})
	// Init context: no scenario tags, no segment: the first client region.
	if got := run(t, rt, `slocheck.clientRegion()`).String(); got != "eu" {
		t.Errorf("clientRegion() in the init context = %q, want eu (first of [eu us], segment 0)", got)
	}
	if got := run(t, rt, `slocheck.edge("eu")`).String(); got != "http://127.0.0.1:2002" {
		t.Errorf(`edge("eu") = %q, want SLOCHECK_EDGE_EU`, got)
	}
	if _, err := rt.RunOnEventLoop(`slocheck.edge("ap")`); err == nil {
		t.Error(`edge("ap") of an unknown region did not throw`)
	}

	toVU(rt, "us")
	if got := run(t, rt, `slocheck.clientRegion()`).String(); got != "us" {
		t.Errorf("clientRegion() in a us scenario = %q", got)
	}
	if got := run(t, rt, `slocheck.edge()`).String(); got != "http://127.0.0.1:1001" {
		t.Errorf("edge() = %q, want us's without the trailing slash", got)
	}
	var p struct {
		Tags    map[string]string `json:"tags"`
		Timeout string            `json:"timeout"`
	}
	runJSON(t, rt, `slocheck.params("cart", {name: "cart"})`, &p)
	if p.Tags["client_region"] != "us" || p.Tags["step"] != "cart" || p.Tags["name"] != "cart" || p.Timeout != "2s" {
		t.Errorf("params = %+v", p)
	}
}

func TestClientRegionFromSegment(t *testing.T) {
	rt := newRuntime(t, map[string]string{"SLOCHECK_EDGES": edges})
	samples := toVU(rt, "")
	_ = samples
	seg, err := lib.NewExecutionSegmentFromString("1/2:1")
	if err != nil {
		t.Fatal(err)
	}
	rt.VU.StateField.Options.ExecutionSegment = seg
	if got := run(t, rt, `slocheck.clientRegion()`).String(); got != "us" {
		t.Errorf("clientRegion() of segment 1/2:1 = %q, want us (second of [eu us])", got)
	}
}

func TestRecordWrite(t *testing.T) {
	rt := newRuntime(t, map[string]string{"SLOCHECK_EDGES": edges})
	if _, err := rt.RunOnEventLoop(`slocheck.recordWrite({id: "o-1"})`); err == nil {
		t.Error("recordWrite in the init context did not throw")
	}
	samples := toVU(rt, "eu")
	acked := "2026-11-24T10:00:01.123456789Z"
	if !run(t, rt, `slocheck.recordWrite({id: "o-1", region: "westeurope", acked: "`+acked+`"})`).ToBoolean() {
		t.Fatal("recordWrite of an acknowledged write returned false")
	}
	if run(t, rt, `slocheck.recordWrite({error: "503"})`).ToBoolean() {
		t.Error("recordWrite of an answer without id returned true")
	}
	if len(samples) != 1 {
		t.Fatalf("%d samples, want 1", len(samples))
	}
	s := (<-samples).GetSamples()[0]
	w, err := bridge.Write(&s)
	if err != nil {
		t.Fatal(err)
	}
	want := results.AckedWrite{ID: "o-1", Region: "westeurope", ClientRegion: "eu", Acked: time.Date(2026, 11, 24, 10, 0, 1, 123456789, time.UTC)}
	if s.Metric.Name != bridge.MetricWrites || !w.Acked.Equal(want.Acked) || w.ID != want.ID || w.Region != want.Region || w.ClientRegion != want.ClientRegion {
		t.Errorf("sample %s %+v, want %+v", s.Metric.Name, w, want)
	}
}

// TestInjectHealAgainstPlatform drives a fault on the embedded platform from
// JS and checks it against the platform's own record of the fault.
func TestInjectHealAgainstPlatform(t *testing.T) {
	admin := servePlatform(t)
	rt := newRuntime(t, map[string]string{"SLOCHECK_ADMIN": admin})
	samples := toVU(rt, "us")

	var inj map[string]string
	runJSON(t, rt, `slocheck.inject({region: "eastus", mode: "errors", ratio: 0.5})`, &inj)
	faults := platformFaults(t, admin)
	if len(faults) != 1 || faults[0].Region != "eastus" || string(faults[0].Mode) != "errors" {
		t.Fatalf("platform faults after inject: %+v", faults)
	}
	at, err := time.Parse(time.RFC3339Nano, inj["injected"])
	if err != nil || !at.Equal(faults[0].Injected) || inj["name"] != "eastus-errors" {
		t.Errorf("inject() = %v, platform injected at %v", inj, faults[0].Injected)
	}
	var st struct {
		Faults []struct{ Region string } `json:"faults"`
	}
	runJSON(t, rt, `slocheck.state()`, &st)
	if len(st.Faults) != 1 || st.Faults[0].Region != "eastus" {
		t.Errorf("state().faults = %+v", st.Faults)
	}
	if _, err := rt.RunOnEventLoop(`slocheck.inject({region: "eastus", mode: "errors", ratoi: 1})`); err == nil {
		t.Error("a spec with a misspelt field was accepted")
	}
	run(t, rt, `slocheck.heal("eastus-errors")`)
	if f := platformFaults(t, admin); len(f) != 0 {
		t.Errorf("platform faults after heal: %+v", f)
	}
	if _, err := rt.RunOnEventLoop(`slocheck.heal("eastus-errors")`); err == nil {
		t.Error("healing a fault twice did not throw")
	}

	var kinds []results.EventKind
	for len(samples) > 0 {
		s := (<-samples).GetSamples()[0]
		e, err := bridge.Event(&s)
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, e.Kind)
		if e.Kind == results.EventFaultInjected && !e.Time.Equal(faults[0].Injected) {
			t.Errorf("fault-injected event at %v, platform injected at %v", e.Time, faults[0].Injected)
		}
	}
	if len(kinds) != 2 || kinds[0] != results.EventFaultInjected || kinds[1] != results.EventFaultHealed {
		t.Errorf("events %v, want injected then healed", kinds)
	}
}
