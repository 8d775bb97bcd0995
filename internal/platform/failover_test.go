package platform

import (
	"errors"
	"fmt"
	"net/http"
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
		{Interval: 500 * time.Millisecond, SampleSize: 3, SuccessfulSamples: 1, Timeout: 250 * time.Millisecond}, // F = 3
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
	time.Sleep(ps.Interval) // probes running, connections warm

	before := do(c, "GET", edges["us"]+"/catalog", "")
	if before.status != 200 || before.servedBy != "eastus" {
		t.Fatalf("before the fault: status %d served by %q (%v), want 200 from eastus", before.status, before.servedBy, before.err)
	}
	injected, err := p.Inject(Fault{Region: "eastus", Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	checkFailing(t, edges["us"], mode)

	// Slack: the timers behind probes and WAN delays can fire late on a busy
	// machine, moving a probe across the fault instant; a quarter interval
	// covers that and still fails a detection that is one probe off.
	slack := ps.Interval / 4
	for edge, oneWay := range map[string]time.Duration{"us": testNear, "eu": testFar} {
		lo, hi := ps.DetectionWindow(mode == ModeBlackhole, oneWay)
		ev, ok := waitEvent(t, p, injected.Add(hi+slack+time.Second), probeEvent(edge, "eastus", false, injected))
		if !ok {
			t.Fatalf("edge %s never took eastus out of rotation (window (%v, %v])", edge, lo, hi)
		}
		if d := ev.Time.Sub(injected); d <= lo-slack || d > hi+slack {
			t.Errorf("edge %s detected %s after %v, want in (%v, %v] ± %v", edge, mode, d, lo, hi, slack)
		} else {
			t.Logf("edge %s detected %s after %v, window (%v, %v]", edge, mode, d, lo, hi)
		}
	}
	checkFailedOver(t, c, edges["us"])

	healed, err := p.Heal("eastus")
	if err != nil {
		t.Fatal(err)
	}
	// From any window, SuccessfulSamples consecutive successes make an
	// origin healthy again: the last of them completes within
	// SuccessfulSamples·Interval + a round trip of the heal.
	back := time.Duration(ps.SuccessfulSamples)*ps.Interval + 2*testFar + slack
	for _, edge := range []string{"us", "eu"} {
		if _, ok := waitEvent(t, p, healed.Add(back), probeEvent(edge, "eastus", true, healed)); !ok {
			t.Fatalf("edge %s did not bring eastus back within %v of the heal", edge, back)
		}
	}
	if a := do(c, "GET", edges["us"]+"/catalog", ""); a.status != 200 || a.servedBy != "eastus" {
		t.Errorf("after heal: status %d served by %q, want 200 from eastus", a.status, a.servedBy)
	}
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
