package driver

import (
	"math"
	"testing"
	"time"
)

// drain returns every due offset of p.
func drain(p *pacer) []time.Duration {
	var out []time.Duration
	for {
		d, ok := p.next()
		if !ok {
			return out
		}
		out = append(out, d)
	}
}

func TestPacerConstantRate(t *testing.T) {
	// 250 req/s with 2 steps per arrival is 125 arrivals/s: over 2 s exactly
	// 250 arrivals, arrival n due at n/125 s.
	p := newPacer(250, nil, 2*time.Second, 0.5)
	due := drain(p)
	if len(due) != 250 {
		t.Fatalf("arrivals = %d, want 250", len(due))
	}
	for n, d := range due {
		want := time.Duration(float64(n) / 125 * 1e9)
		if diff := d - want; diff < -time.Microsecond || diff > time.Microsecond {
			t.Fatalf("arrival %d due at %s, want %s", n, d, want)
		}
	}
	if p.length() != 2*time.Second {
		t.Errorf("length = %s, want 2s", p.length())
	}
}

func TestPacerRamps(t *testing.T) {
	tests := []struct {
		name   string
		rate   float64
		stages []Stage
		d      time.Duration
		want   float64 // arrivals: the integral of the rate
		length time.Duration
	}{
		{"ramp up from zero", 0, []Stage{{time.Second, 100}}, 0, 50, time.Second},
		{"ramp down to zero", 100, []Stage{{time.Second, 0}}, 0, 50, time.Second},
		{"up, hold, down", 0, []Stage{{time.Second, 200}, {2 * time.Second, 200}, {time.Second, 0}}, 0, 100 + 400 + 100, 4 * time.Second},
		{"cut in the middle of a ramp", 0, []Stage{{2 * time.Second, 200}}, time.Second, 50, time.Second},
		{"held after the last stage", 0, []Stage{{time.Second, 100}}, 3 * time.Second, 50 + 200, 3 * time.Second},
		{"start rate then step", 100, []Stage{{time.Second, 300}}, 0, 200, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer(tt.rate, tt.stages, tt.d, 1)
			if math.Abs(p.total()-tt.want) > 1e-9 {
				t.Fatalf("total = %v, want %v", p.total(), tt.want)
			}
			due := drain(p)
			// Arrivals n = 0 … ⌈total⌉−1 are due inside the schedule.
			if want := int(math.Ceil(tt.want)); len(due) != want {
				t.Fatalf("arrivals = %d, want %d", len(due), want)
			}
			if p.length() != tt.length {
				t.Errorf("length = %s, want %s", p.length(), tt.length)
			}
			checkCumulative(t, due, tt.rate, tt.stages)
		})
	}
}

// checkCumulative checks that the number of arrivals due before t is the
// integral of the rate up to t, rounded up (arrival n is due where H = n),
// at every arrival; the integral is computed here independently by summing
// the rate in small steps.
func checkCumulative(t *testing.T, due []time.Duration, rate float64, stages []Stage) {
	t.Helper()
	rateAt := func(at time.Duration) float64 {
		from, start := rate, time.Duration(0)
		for _, s := range stages {
			if at < start+s.Duration {
				return from + (s.Rate-from)*float64(at-start)/float64(s.Duration)
			}
			from, start = s.Rate, start+s.Duration
		}
		return from
	}
	const step = 100 * time.Microsecond
	var h float64
	var at time.Duration
	for n, d := range due {
		for ; at+step <= d; at += step {
			h += (rateAt(at) + rateAt(at+step)) / 2 * step.Seconds()
		}
		h2 := h + (rateAt(at)+rateAt(d))/2*(d-at).Seconds()
		if math.Abs(h2-float64(n)) > 0.01 {
			t.Fatalf("arrival %d due at %s where the integral is %.4f", n, d, h2)
		}
	}
}

func TestPacerDueTimesOnlyGrow(t *testing.T) {
	p := newPacer(10, []Stage{{time.Second, 1000}, {time.Second, 5}, {500 * time.Millisecond, 0}}, 0, 1)
	prev := time.Duration(-1)
	for _, d := range drain(p) {
		if d < prev {
			t.Fatalf("due time went back: %s after %s", d, prev)
		}
		prev = d
	}
}

func BenchmarkPacerNext(b *testing.B) {
	b.ReportAllocs()
	// A day's ramp: hundreds of millions of arrivals, more than -benchtime
	// 2s asks for at tens of nanoseconds each (an hour's ran out).
	p := newPacer(5000, []Stage{{MaxDuration, 10000}}, 0, 1)
	for b.Loop() {
		if _, ok := p.next(); !ok {
			b.Fatal("schedule ended")
		}
	}
}

// TestPacerSkipTo: skipping to an instant lands on the first arrival due at
// or after it, as drawing every arrival would, on constant and ramping
// stretches, and at the schedule's end.
func TestPacerSkipTo(t *testing.T) {
	mk := func() *pacer {
		return newPacer(100, []Stage{{time.Second, 1000}, {time.Second, 1000}, {500 * time.Millisecond, 0}}, 0, 1)
	}
	all := drain(mk())
	for _, cut := range []time.Duration{0, 1, 333 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2400 * time.Millisecond, 10 * time.Second} {
		p := mk()
		n := p.skipTo(cut)
		want := uint64(len(all))
		for i, d := range all {
			if d >= cut {
				want = uint64(i)
				break
			}
		}
		// Float rounding may land one either side of an arrival due exactly at cut.
		if n+1 < want || n > want+1 {
			t.Fatalf("skipTo(%s) = %d, want %d", cut, n, want)
		}
		if rest := uint64(len(drain(p))); n+rest != uint64(len(all)) {
			t.Fatalf("skipTo(%s) = %d then %d more, want %d in all", cut, n, rest, len(all))
		}
	}
	p := mk()
	p.skipTo(time.Second)
	if n := p.skipTo(time.Millisecond); n < 500 {
		t.Fatalf("skipTo went back to %d", n)
	}
}

func TestMaxRunTime(t *testing.T) {
	cfg := Config{Rate: 10, Stages: []Stage{{time.Second, 20}, {2 * time.Second, 5}}, Timeout: time.Second,
		Journeys: []Journey{{Steps: []string{StepBrowse}}, {ThinkTime: 3 * time.Second, Steps: Steps}}}
	// 3 s of stages; the 4-step journey: 4 timeouts and 3 think times.
	if got, want := cfg.MaxRunTime(), 3*time.Second+4*time.Second+9*time.Second; got != want {
		t.Fatalf("MaxRunTime %s, want %s", got, want)
	}
}
