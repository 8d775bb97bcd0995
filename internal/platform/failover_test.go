package platform

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"
)

func TestDetectionWindowArithmetic(t *testing.T) {
	d := DefaultNearDelay
	for _, tc := range []struct {
		ps        ProbeSettings
		blackhole bool
		lo, hi    time.Duration
	}{
		// Defaults: F = 4 − 3 + 1 = 2 probes of 2 s; timeout 1 s.
		{DefaultProbe(), false, 2*time.Second + d, 4*time.Second + d},
		{DefaultProbe(), true, 3*time.Second - d, 5*time.Second - d},
		// F = 3 − 1 + 1 = 3 probes of 500 ms; timeout 250 ms.
		{ProbeSettings{Interval: 500 * time.Millisecond, SampleSize: 3, SuccessfulSamples: 1, Timeout: 250 * time.Millisecond}, false, time.Second + d, 1500*time.Millisecond + d},
		{ProbeSettings{Interval: 500 * time.Millisecond, SampleSize: 3, SuccessfulSamples: 1, Timeout: 250 * time.Millisecond}, true, 1250*time.Millisecond - d, 1750*time.Millisecond - d},
	} {
		lo, hi := tc.ps.DetectionWindow(tc.blackhole, d)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("%+v blackhole=%v: window (%v, %v], want (%v, %v]", tc.ps, tc.blackhole, lo, hi, tc.lo, tc.hi)
		}
	}
	// The defaults must meet RTO < 10 s with a 2 s client timeout on top.
	if _, hi := DefaultProbe().DetectionWindow(true, 0); hi+2*time.Second >= 10*time.Second {
		t.Errorf("default blackhole detection up to %v leaves no room for RTO < 10 s", hi)
	}
}

// TestDetection injects down and blackhole in eastus under two probe
// settings and checks, from the platform's own probe events, that each edge
// took eastus out of rotation inside the window the settings predict; then
// that the us edge serves everything from westeurope with the WAN delay in
// its latency, and that heal brings eastus back.
func TestDetection(t *testing.T) {
	settings := []ProbeSettings{
		fastProbe, // F = 2
		{Interval: 600 * time.Millisecond, SampleSize: 3, SuccessfulSamples: 1, Timeout: 400 * time.Millisecond}, // F = 3
	}
	for _, ps := range settings {
		for _, mode := range []Mode{ModeDown, ModeBlackhole} {
			name := fmt.Sprintf("%v-%d-of-%d/%s", ps.Interval, ps.SuccessfulSamples, ps.SampleSize, mode)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				testDetection(t, ps, mode)
			})
		}
	}
}

func testDetection(t *testing.T, ps ProbeSettings, mode Mode) {
	// A fresh seed each run puts the probe phases, and so the detection
	// time, somewhere else in its window: repeated runs sweep the window.
	cfg := testConfig(ps)
	cfg.Seed = uint64(time.Now().UnixNano())
	t.Logf("seed %d", cfg.Seed)
	p := start(t, cfg)
	edges := p.Describe().Edges
	c := newClient(2 * time.Second)
	time.Sleep(2 * ps.Interval) // a probe or two logged, connections warm

	before := do(c, "GET", edges["us"]+"/catalog", "")
	if before.status != 200 || before.servedBy != "eastus" {
		t.Fatalf("before the fault: status %d served by %q (%v), want 200 from eastus", before.status, before.servedBy, before.err)
	}
	injected, err := p.Inject(Fault{Region: "eastus", Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	checkFailing(t, edges["us"], mode)

	for edge, oneWay := range map[string]time.Duration{"us": testNear, "eu": testFar} {
		checkDetection(t, p, ps, mode, edge, oneWay, injected)
	}
	checkFailedOver(t, c, edges["us"])

	healed, err := p.Heal("eastus")
	if err != nil {
		t.Fatal(err)
	}
	for edge, oneWay := range map[string]time.Duration{"us": testNear, "eu": testFar} {
		checkReturn(t, p, ps, edge, oneWay, healed)
	}
	if a := do(c, "GET", edges["us"]+"/catalog", ""); a.status != 200 || a.servedBy != "eastus" {
		t.Errorf("after heal: status %d served by %q, want 200 from eastus", a.status, a.servedBy)
	}
}

// checkDetection checks edge's detection of the fault injected at T, from
// the platform's probe event and the edge's own probe log. First exactly:
// the origin left rotation when the F-th consecutive failed probe completed,
// after a success. Then the detection time against the window the settings
// predict. That window assumes each probe leaves on its tick and takes its
// nominal round trip (2·d, or the timeout for a blackhole); on a busy
// machine a starved prober leaves late or wakes late from the WAN delay,
// which moves a probe across T. The slack is that measured lateness of the
// probes involved, plus a quarter interval for what the log cannot see (the
// few steps between taking T and closing the listener): a detection one
// probe off still misses by three quarters of an interval.
func checkDetection(t *testing.T, p *Platform, ps ProbeSettings, mode Mode, edge string, oneWay time.Duration, T time.Time) {
	t.Helper()
	lo, hi := ps.DetectionWindow(mode == ModeBlackhole, oneWay)
	ev, ok := waitEvent(t, p, T.Add(hi+5*time.Second), probeEvent(edge, "eastus", false, T))
	if !ok {
		t.Fatalf("edge %s never took eastus out of rotation (window (%v, %v])", edge, lo, hi)
	}
	log := probeLog(p, edge, "eastus")
	k := slices.IndexFunc(log, func(pr probeRecord) bool { return pr.Done.Equal(ev.Time) })
	f := ps.FailuresToDetect()
	if k < f {
		t.Fatalf("edge %s: no probe log before the transition at %v: %+v", edge, ev.Time, log)
	}
	for i, pr := range log[k-f : k+1] {
		if pr.OK != (i == 0) {
			t.Errorf("edge %s: probes before the transition %+v, want a success then %d failures", edge, log[k-f:k+1], f)
			break
		}
	}
	rtt := 2 * oneWay
	if mode == ModeBlackhole {
		rtt = ps.Timeout
	}
	slack := ps.Interval/4 + lateness(log[k-f:k+1], 2*oneWay, rtt)
	if d := ev.Time.Sub(T); d <= lo-slack || d > hi+slack {
		t.Errorf("edge %s detected %s after %v, want in (%v, %v] ± %v", edge, mode, d, lo, hi, slack)
	} else {
		t.Logf("edge %s detected %s after %v, window (%v, %v], slack %v", edge, mode, d, lo, hi, slack)
	}
}

// checkReturn checks that edge brings eastus back after the heal at H: from
// any window, SuccessfulSamples consecutive successes make an origin healthy,
// so the last of them completes within SuccessfulSamples·Interval plus a
// round trip of H (plus the measured lateness, as for detection).
func checkReturn(t *testing.T, p *Platform, ps ProbeSettings, edge string, oneWay time.Duration, H time.Time) {
	t.Helper()
	within := time.Duration(ps.SuccessfulSamples)*ps.Interval + 2*oneWay
	ev, ok := waitEvent(t, p, H.Add(within+5*time.Second), probeEvent(edge, "eastus", true, H))
	if !ok {
		t.Fatalf("edge %s never brought eastus back after the heal", edge)
	}
	// A probe hung in a blackhole is answered at the heal: it can only bring
	// the return earlier, so the lateness counts the probes sent since.
	log := probeLog(p, edge, "eastus")
	k := slices.IndexFunc(log, func(pr probeRecord) bool { return pr.Done.Equal(ev.Time) })
	if k < 0 {
		t.Fatalf("edge %s: probe log does not hold the return at %v", edge, ev.Time)
	}
	since := slices.DeleteFunc(slices.Clone(log[:k+1]), func(pr probeRecord) bool { return pr.Sent.Before(H) })
	slack := ps.Interval/4 + lateness(since, 2*oneWay, 2*oneWay)
	if d := ev.Time.Sub(H); d > within+slack {
		t.Errorf("edge %s brought eastus back %v after the heal, want within %v + %v", edge, d, within, slack)
	}
}

// lateness is the largest delay the machine added to a probe in prs: how
// late it left after its tick, plus how much longer than its nominal round
// trip (okRTT for a success, failRTT for a failure) it took.
func lateness(prs []probeRecord, okRTT, failRTT time.Duration) time.Duration {
	var worst time.Duration
	for _, pr := range prs {
		rtt := failRTT
		if pr.OK {
			rtt = okRTT
		}
		worst = max(worst, pr.Sent.Sub(pr.Tick)+max(0, pr.Done.Sub(pr.Sent)-rtt))
	}
	return worst
}

func probeLog(p *Platform, edge, region string) []probeRecord {
	for _, o := range p.edges[edge].origins {
		if o.region == region {
			o.mu.Lock()
			defer o.mu.Unlock()
			return slices.Clone(o.log)
		}
	}
	return nil
}

// checkFailing checks that right after the fault, before any probe could
// have noticed it, the us edge still routes to eastus and the request fails
// the way the mode fails.
func checkFailing(t *testing.T, edge string, mode Mode) {
	t.Helper()
	switch mode {
	case ModeDown:
		a := do(newClient(time.Second), "GET", edge+"/catalog", "")
		if a.status != http.StatusBadGateway || a.servedBy != "" {
			t.Errorf("right after down: status %d served by %q (%v), want 502 from the edge", a.status, a.servedBy, a.err)
		}
	case ModeBlackhole:
		a := do(newClient(100*time.Millisecond), "GET", edge+"/catalog", "")
		if a.err == nil {
			t.Errorf("right after blackhole: status %d, want the client to time out", a.status)
		}
	}
}

// checkFailedOver checks that the us edge serves every request from
// westeurope, each at least one WAN round trip (2 × testFar) long.
func checkFailedOver(t *testing.T, c *http.Client, edge string) {
	t.Helper()
	for i := 0; i < 10; i++ {
		a := do(c, "GET", edge+"/catalog", "")
		if a.status != 200 || a.servedBy != "westeurope" {
			t.Fatalf("after detection: status %d served by %q (%v), want 200 from westeurope", a.status, a.servedBy, a.err)
		}
		if a.latency < 2*testFar {
			t.Errorf("after detection: latency %v, want at least the WAN round trip %v", a.latency, 2*testFar)
		}
	}
}

func TestDownRefusesConnections(t *testing.T) {
	p := start(t, testConfig(fastProbe))
	eastus := p.Describe().Regions["eastus"]
	c := newClient(time.Second)
	if a := do(c, "GET", eastus+"/health", ""); a.status != 200 || a.servedBy != "eastus" {
		t.Fatalf("health before: %d %q %v", a.status, a.servedBy, a.err)
	}
	if _, err := p.Inject(Fault{Region: "eastus", Mode: ModeDown}); err != nil {
		t.Fatal(err)
	}
	if a := do(c, "GET", eastus+"/health", ""); !errors.Is(a.err, syscall.ECONNREFUSED) {
		t.Errorf("region down: got status %d, error %v; want connection refused", a.status, a.err)
	}
	if _, err := p.Heal("eastus"); err != nil {
		t.Fatal(err)
	}
	if a := do(c, "GET", eastus+"/health", ""); a.status != 200 {
		t.Errorf("after heal: %d %v, want 200 on the same address", a.status, a.err)
	}
}

// TestAllUnhealthySpreadsOverAll fails every region's probes (errors, ratio
// 1): once an edge sees no healthy origin it sends requests to all of them
// in turn, as Front Door does, and passes their 503s through.
func TestAllUnhealthySpreadsOverAll(t *testing.T) {
	p := start(t, testConfig(fastProbe))
	for _, r := range []string{"eastus", "westeurope"} {
		if _, err := p.Inject(Fault{Region: r, Mode: ModeErrors}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, r := range []string{"eastus", "westeurope"} {
		if _, ok := waitEvent(t, p, deadline, probeEvent("us", r, false, time.Time{})); !ok {
			t.Fatalf("edge us never took %s out of rotation", r)
		}
	}
	served := map[string]int{}
	c := newClient(2 * time.Second)
	for range 10 {
		a := do(c, "GET", p.Describe().Edges["us"]+"/catalog", "")
		if a.status != 503 {
			t.Fatalf("status %d, want the origins' 503", a.status)
		}
		served[a.servedBy]++
	}
	if served["eastus"] != 5 || served["westeurope"] != 5 {
		t.Errorf("served by %v, want 5 each (round robin over all origins)", served)
	}
}
