package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// sharedScenario is default-failover shortened, against a platform served
// on its own (as `slocheck platform serve` serves it): edges per client
// region, the read-back through its admin API, the fault through an http
// injector on the admin API (the conductor's).
const sharedScenario = `name: shared-failover
target:
  edges: {us: %[1]s, eu: %[2]s}
  regions: [eastus, westeurope]
  readback_url: "%[3]s/orders/{id}?region={region}"
  served_by_header: X-Served-By
load:
  rate: %[4]v
  duration: 16s
  timeout: 2s
  client_regions: {us: 1, eu: 1}
  journeys:
    - {name: shop, weight: 1, steps: [browse, product, cart, checkout]}
faults:
  - name: eastus-down
    at: 4s
    for: 8s
    injector: http
    region: eastus
    mode: down
    http: {inject_url: "%[3]s/faults", inject_body: '{"region": "eastus", "mode": "down", "ratio": 1}', heal_url: "%[3]s/faults/eastus", heal_method: DELETE}
`

// servedPlatform starts the platform of default-failover on loopback, its
// probes as Front Door's (2 s, 3 of 4).
func servedPlatform(t *testing.T) *platform.Platform {
	t.Helper()
	cfg := platform.DefaultConfig()
	cfg.Regions = []string{"eastus", "westeurope"}
	cfg.ClientRegions = map[string]string{"us": "eastus", "eu": "westeurope"}
	cfg.Probe = platform.ProbeSettings{Interval: 2 * time.Second, SampleSize: 4, SuccessfulSamples: 3, Timeout: time.Second}
	cfg.ReplicationLag = 300 * time.Millisecond
	p, err := platform.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// adminEvents is GET /events: the platform's own record of faults and
// probe transitions.
func adminEvents(t *testing.T, admin string) []results.Event {
	t.Helper()
	resp, err := http.Get(admin + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var evs []results.Event
	if err := json.NewDecoder(resp.Body).Decode(&evs); err != nil {
		t.Fatal(err)
	}
	return evs
}

// tee records every outcome and bulk drop the generators record into one
// more stream, through a sink of its own: the same traffic as one process
// would have recorded it.
type tee struct {
	rec *results.Recorder
	sk  *sink
	buf bytes.Buffer
}

// TestSharedRunMerged is issue 15's done-when: three generators (us split
// in halves by segment, eu whole) and a conductor, one --start-at, against
// a platform served on loopback; their streams merged. The merged run has
// each client region's p99 and request and failure counts of the same
// traffic recorded by one recorder, one fault at the platform's own
// injection instant, and each client region's RTO within max(request
// spacing, 50 ms) of the platform's probe transition.
func TestSharedRunMerged(t *testing.T) {
	rate := 200.0
	if raceEnabled {
		rate = 80 // four runs and the platform in one process, each five times as costly
	}
	p := servedPlatform(t)
	d := p.Describe()
	root := t.TempDir()
	path := filepath.Join(root, "shared.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(sharedScenario, d.Edges["us"], d.Edges["eu"], d.Admin, rate)), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(time.Second).Truncate(time.Millisecond)
	seg := func(s string) results.Segment { sg, _ := results.ParseSegment(s); return sg }
	roles := map[string]Role{
		"us-0":      {Name: results.RoleGenerator, ClientRegions: []string{"us"}, Segment: seg("0:1/2"), StartAt: start},
		"us-1":      {Name: results.RoleGenerator, ClientRegions: []string{"us"}, Segment: seg("1/2:1"), StartAt: start},
		"eu":        {Name: results.RoleGenerator, ClientRegions: []string{"eu"}, StartAt: start},
		"conductor": {Name: results.RoleConductor, StartAt: start},
	}
	one := &tee{}
	s0, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	one.rec, err = results.NewRecorder(results.Header{Scenario: s0.Name, Engine: "go", Target: "tee", Started: start, Interval: results.Duration(time.Second),
		ClientRegions: s0.ClientRegions(), Steps: s0.StepsUsed(), Targets: s0.Targets()}, &one.buf, results.WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	one.sk = newSink(one.rec)
	defer one.sk.stop()
	var wg sync.WaitGroup
	var dirs []string
	for name, role := range roles {
		dir := filepath.Join(root, name)
		dirs = append(dirs, dir)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := scenario.Load(path)
			if err != nil {
				t.Error(err)
				return
			}
			o := Options{OutDir: dir, Role: role, hooks: &hooks{outcome: one.sk.Outcome, drop: one.sk.Dropped}}
			if _, err := Run(context.Background(), s, o); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if err := one.rec.Close(results.Trailer{Ended: time.Now(), Reason: "completed"}); err != nil {
		t.Fatal(err)
	}
	truth, err := results.Read(&one.buf)
	if err != nil {
		t.Fatal(err)
	}
	merged, cut, err := results.MergeDirs(results.MergeOptions{}, dirs...)
	if err != nil || len(cut) > 0 {
		t.Fatalf("merge: %v %v", err, cut)
	}
	checkSameTraffic(t, merged, truth)
	mdir := filepath.Join(root, "merged")
	if err := os.MkdirAll(mdir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := results.Write(&buf, merged); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mdir, results.FileName), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(mdir, []string{"json"}, false)
	if err != nil {
		t.Fatal(err)
	}
	rep := ev.Report
	if len(rep.Faults) != 1 || rep.Merge == nil || len(rep.Merge.Streams) != 4 {
		t.Fatalf("merged: %d faults, merge %+v; want one fault from four streams", len(rep.Faults), rep.Merge)
	}
	checkSharedFault(t, rep.Faults[0].Injected, adminEvents(t, d.Admin), merged, rep, rate)
}

// checkSameTraffic: per client region, the merged histograms hold exactly
// what one recorder of every generator's outcomes holds, and so do the
// request and failure counts.
func checkSameTraffic(t *testing.T, merged, truth *results.Run) {
	t.Helper()
	for _, cr := range []string{"us", "eu"} {
		in := func(iv *results.Interval) bool { return iv.ClientRegion == cr }
		mh, th := merged.LatencyHistogram(in), truth.LatencyHistogram(in)
		var mReq, tReq, mFail, tFail uint64
		for i := range merged.Intervals {
			if iv := &merged.Intervals[i]; in(iv) {
				mReq, mFail = mReq+iv.Requests(), mFail+iv.Failures()
			}
		}
		for i := range truth.Intervals {
			if iv := &truth.Intervals[i]; in(iv) {
				tReq, tFail = tReq+iv.Requests(), tFail+iv.Failures()
			}
		}
		if mReq != tReq || mFail != tFail || mReq == 0 || (cr == "us" && mFail == 0) {
			t.Errorf("%s: merged %d requests, %d failures; one recorder %d, %d", cr, mReq, mFail, tReq, tFail)
		}
		for _, q := range []float64{50, 99, 99.9} {
			if m, o := mh.ValueAtQuantile(q), th.ValueAtQuantile(q); m != o || mh.TotalCount() != th.TotalCount() {
				t.Errorf("%s p%v: merged %v, one recorder %v (counts %d, %d)", cr, q, results.LatencyDuration(m), results.LatencyDuration(o), mh.TotalCount(), th.TotalCount())
			}
		}
	}
}

// checkSharedFault checks the merged run's one fault against the platform's
// own events (GET /events): injected when the platform says (the conductor
// marks it at the admin API's answer, a loopback round trip later), and each
// client region's RTO against its edge's probe transition, as
// TestFailoverRTOAgainstProbeTruth does for one process.
func checkSharedFault(t *testing.T, injected time.Time, evs []results.Event, merged *results.Run, rep *slo.Report, rate float64) {
	t.Helper()
	var platformAt time.Time
	for _, e := range evs {
		if e.Kind == results.EventFaultInjected && e.Target == "eastus" && platformAt.IsZero() {
			platformAt = e.Time
		}
	}
	// The conductor's http injector marks the injection when the admin API
	// answers; the platform's instant lies between the request and that
	// answer: "injection took" in the event's detail.
	took := injectionTook(t, merged)
	if d := injected.Sub(platformAt); platformAt.IsZero() || d < 0 || d > took+time.Millisecond {
		t.Errorf("fault injected at %v by the merged run, %v by the platform: %v apart, the injection took %v", injected, platformAt, d, took)
	}
	detected := firstProbeDown(&results.Run{Events: evs}, "us", "eastus", injected)
	if detected.IsZero() {
		for _, e := range evs {
			t.Logf("platform event %s %s edge=%s region=%s healthy=%v %s", e.Time.Format("15:04:05.000"), e.Kind, e.Edge, e.Region, e.Healthy != nil && *e.Healthy, e.Target)
		}
		t.Fatalf("the us edge never saw eastus go down after the injection at %s", injected.Format("15:04:05.000"))
	}
	f := rep.Faults[0]
	truth := detected.Sub(injected).Seconds()
	us := f.RTOS.ByClientRegion["us"]
	if us == nil {
		t.Fatalf("us RTO: not recovered; probe detection was %.3f s after injection", truth)
	}
	// Resolution: the spacing of us's journeys (rate/2/4 a second), at least
	// 50 ms. Early side: a request intended before the flip but sent after
	// it (four generators and the platform share this machine) succeeds, so
	// the generators' worst send lag around the flip (their health records)
	// adds to it. Late side: the last failure's own latency (it was routed
	// to eastus before the flip).
	early := max(1/(rate/2/4), 0.050) + worstSendLag(merged, detected).Seconds()
	late := max(0.050, lastFailureLatency(merged, "us", injected.Add(time.Duration(*us*float64(time.Second))+time.Millisecond)).Seconds()+0.005)
	if d := *us - truth; d < -early || d > late {
		t.Errorf("us RTO = %.3f s, probe detection %.3f s after injection: off by %+.3f s (allowed -%.3f…+%.3f s)", *us, truth, d, early, late)
	}
	if eu := f.RTOS.ByClientRegion["eu"]; eu == nil || *eu != 0 {
		t.Errorf("eu RTO = %v, want 0: eu's nearest region never failed", eu)
	}
	t.Logf("merged: RTO us %.3f s (probe truth %.3f s), injected %v after the platform's instant; %d requests", *us, truth, injected.Sub(platformAt), rep.Requests)
}

// worstSendLag is the generators' largest send lag in the interval holding
// t and the one before it.
func worstSendLag(run *results.Run, t time.Time) time.Duration {
	var worst time.Duration
	for _, h := range run.Health {
		if !h.Start.After(t) && t.Sub(h.Start) < 2*run.Header.Interval.Std() {
			worst = max(worst, h.SendLagMax.Std())
		}
	}
	return worst
}

// injectionTook is how long the merged run's injection call took, from its
// fault-injected event's detail ("injection took 1.2ms; ...").
func injectionTook(t *testing.T, run *results.Run) time.Duration {
	t.Helper()
	for _, e := range run.Events {
		if e.Kind != results.EventFaultInjected {
			continue
		}
		_, rest, ok := strings.Cut(e.Detail, "injection took ")
		if d, err := time.ParseDuration(strings.SplitN(rest, ";", 2)[0]); ok && err == nil {
			return d
		}
		t.Fatalf("fault-injected detail %q: no injection time", e.Detail)
	}
	t.Fatal("no fault-injected event")
	return 0
}
