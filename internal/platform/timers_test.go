package platform

import (
	"context"
	"testing"
	"time"
)

// TestTimerOvershootWithinWhatClientsSaw serves catalog requests whose only
// simulated delay is a fixed 20 ms service time (no WAN delay, and the probes
// hit /health, which has none) and checks each TimerOvershoot reading
// against the client's own stopwatch: the overshoot is part of the latency
// the client saw, so it can never exceed that latency minus the 20 ms asked;
// it is never negative; and reading starts it over.
func TestTimerOvershootWithinWhatClientsSaw(t *testing.T) {
	const asked = 20 * time.Millisecond
	cfg := testConfig(fastProbe)
	cfg.NearDelay, cfg.FarDelay = 0, 0
	cfg.Service = map[string]ServiceTime{EndpointCatalog: {Median: asked}}
	p := start(t, cfg)
	c := newClient(2 * time.Second)
	edge := p.Describe().Edges["us"]
	var positive int
	for range 20 {
		p.TimerOvershoot() // start over: only this request's timer counts
		a := do(c, "GET", edge+"/catalog", "")
		if a.err != nil || a.status != 200 {
			t.Fatalf("GET /catalog: %v %d", a.err, a.status)
		}
		over := p.TimerOvershoot()
		if over < 0 || over > a.latency-asked {
			t.Fatalf("overshoot %v outside [0, %v]: the client saw %v for a %v service time", over, a.latency-asked, a.latency, asked)
		}
		if over > 0 {
			positive++
		}
		if again := p.TimerOvershoot(); again != 0 {
			t.Fatalf("a second read gave %v, want 0 (no timer fired since the first)", again)
		}
	}
	if positive == 0 {
		t.Error("no request's timer overshot at all: a timer fires no earlier than asked, and never at the very nanosecond")
	}
}

// TestTimerGaugeKeepsTheLatest drives the gauge with a fake clock: a sleep
// that ends 30 ms late is noted, the largest of several is kept, a sleep cut
// short by its context is not noted, and a read starts over.
func TestTimerGaugeKeepsTheLatest(t *testing.T) {
	now := time.Unix(0, 0)
	late := map[time.Duration]time.Duration{10 * time.Millisecond: 30 * time.Millisecond, 20 * time.Millisecond: 5 * time.Millisecond}
	g := &timerGauge{
		now: func() time.Time { return now },
		nap: func(ctx context.Context, d time.Duration) bool {
			now = now.Add(d + late[d])
			return ctx.Err() == nil
		},
	}
	ctx := context.Background()
	if !g.sleep(ctx, 10*time.Millisecond) || !g.sleep(ctx, 20*time.Millisecond) {
		t.Fatal("a full sleep reported as cut short")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	late[time.Second] = time.Hour
	if g.sleep(cancelled, time.Second) {
		t.Fatal("a cancelled sleep reported as full")
	}
	if got := g.read(); got != 30*time.Millisecond {
		t.Errorf("read = %v, want 30ms (the latest of the full sleeps)", got)
	}
	if got := g.read(); got != 0 {
		t.Errorf("second read = %v, want 0", got)
	}
	var none *timerGauge // a shop served alone
	if !none.sleep(ctx, time.Millisecond) {
		t.Error("a nil gauge's sleep failed")
	}
}
