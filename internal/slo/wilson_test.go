package slo

import (
	"math"
	"testing"
)

// TestWilsonPublished checks the interval against the published 95 % score
// intervals (method 3, no continuity correction) of Newcombe, "Two-sided
// confidence intervals for the single proportion: comparison of seven
// methods", Statistics in Medicine 17 (1998) 857–872, Table II, given there
// to four decimals.
func TestWilsonPublished(t *testing.T) {
	tests := []struct {
		k, n      uint64
		low, high float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0.0000, 0.1611},
		{1, 29, 0.0061, 0.1718},
		{29, 29, 0.8830, 1.0000},
	}
	for _, tt := range tests {
		b := Wilson(tt.k, tt.n, Z95)
		if math.Abs(b.Low-tt.low) > 0.5e-4 || math.Abs(b.High-tt.high) > 0.5e-4 {
			t.Errorf("Wilson(%d, %d) = [%.5f, %.5f], published [%.4f, %.4f]", tt.k, tt.n, b.Low, b.High, tt.low, tt.high)
		}
	}
}

func TestWilsonEdges(t *testing.T) {
	if b := Wilson(0, 0, Z95); b != (Bounds{0, 1}) {
		t.Errorf("n = 0: %v, want [0, 1]", b)
	}
	// p̂ = 1: the lower bound is n/(n + z²), the upper exactly 1.
	b := Wilson(1000, 1000, Z95)
	if want := 1000 / (1000 + Z95*Z95); math.Abs(b.Low-want) > 1e-12 || b.High != 1 {
		t.Errorf("1000/1000: %v, want [%v, 1]", b, want)
	}
}

func TestZ95(t *testing.T) {
	// Φ(z) = 0.975, with Φ(z) = (1 + erf(z/√2))/2.
	if got := (1 + math.Erf(Z95/math.Sqrt2)) / 2; math.Abs(got-0.975) > 1e-15 {
		t.Errorf("Φ(Z95) = %v", got)
	}
}

func TestBoundsDecide(t *testing.T) {
	tests := []struct {
		b    Bounds
		want Verdict
	}{
		{Bounds{0.9999, 1}, Pass},              // lower bound on the target passes
		{Bounds{0.99995, 1}, Pass},             //
		{Bounds{0.9998, 0.99989}, Fail},        // wholly below
		{Bounds{0.9998, 0.9999}, Inconclusive}, // upper bound on the target: not below it
		{Bounds{0.9990, 1}, Inconclusive},
	}
	for _, tt := range tests {
		if got := tt.b.Decide(0.9999); got != tt.want {
			t.Errorf("%v.Decide(0.9999) = %s, want %s", tt.b, got, tt.want)
		}
	}
}

// TestMinRequestsToPass: with no failure the lower bound is n/(n + z²), so
// 99.99 % needs n >= 0.9999·z²/0.0001 = 38,410.75.
func TestMinRequestsToPass(t *testing.T) {
	n := MinRequestsToPass(0.9999)
	if n != 38411 {
		t.Fatalf("MinRequestsToPass(0.9999) = %d, want 38411", n)
	}
	if Wilson(n, n, Z95).Low < 0.9999 || Wilson(n-1, n-1, Z95).Low >= 0.9999 {
		t.Errorf("38,411 clean requests must be the first to pass: low(n) = %v, low(n−1) = %v",
			Wilson(n, n, Z95).Low, Wilson(n-1, n-1, Z95).Low)
	}
	if got := MinRequestsToPass(0.999); got != 3838 { // 0.999·z²/0.001 = 3837.62
		t.Errorf("MinRequestsToPass(0.999) = %d, want 3838", got)
	}
}

// TestRequestsToDecide checks the solved count against the interval itself:
// at the observed ratio, n + more requests decide and n + more − 1 do not.
func TestRequestsToDecide(t *testing.T) {
	tests := []struct {
		name       string
		k, n       uint64
		target     float64
		want       Verdict // the verdict it would reach
		undecided  bool
		wantAtZero uint64 // exact answer where known in closed form, else 0
	}{
		{name: "clean, short of 38,411", k: 24000, n: 24000, target: 0.9999, want: Pass, wantAtZero: 38411 - 24000},
		{name: "no requests yet", k: 0, n: 0, target: 0.9999, want: Pass, wantAtZero: 38411},
		{name: "slightly below target", k: 9998, n: 10000, target: 0.9999, want: Fail},
		{name: "slightly above target", k: 99995, n: 100000, target: 0.9999, want: Pass},
		{name: "on the target", k: 9999, n: 10000, target: 0.9999, undecided: true},
		{name: "already failing", k: 990, n: 1000, target: 0.9999, want: Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			more, ok := RequestsToDecide(tt.k, tt.n, tt.target)
			if ok == tt.undecided {
				t.Fatalf("ok = %v, want %v", ok, !tt.undecided)
			}
			if tt.undecided {
				return
			}
			if tt.wantAtZero != 0 && more != tt.wantAtZero {
				t.Errorf("more = %d, want %d", more, tt.wantAtZero)
			}
			p := 1.0
			if tt.n > 0 {
				p = float64(tt.k) / float64(tt.n)
			}
			total := tt.n + more
			if got := wilsonRatio(p, float64(total), Z95).Decide(tt.target); got != tt.want {
				t.Errorf("at n+more = %d: %s, want %s", total, got, tt.want)
			}
			if more > 0 && wilsonRatio(p, float64(total-1), Z95).Decide(tt.target) != Inconclusive {
				t.Errorf("at n+more−1 = %d it already decides: more is not the least", total-1)
			}
		})
	}
}

func TestEvaluateAvailability(t *testing.T) {
	a := EvaluateAvailability(24000, 24000, 0.9999)
	if a.Verdict != Inconclusive || a.RequestsToDecide != 38411-24000 {
		t.Errorf("24,000 clean: %s, %d more; want INCONCLUSIVE, %d more", a.Verdict, a.RequestsToDecide, 38411-24000)
	}
	if a := EvaluateAvailability(40000, 40000, 0.9999); a.Verdict != Pass || a.RequestsToDecide != 0 {
		t.Errorf("40,000 clean: %s, %d more; want PASS, 0", a.Verdict, a.RequestsToDecide)
	}
	if a := EvaluateAvailability(0, 0, 0.9999); a.Verdict != Inconclusive || !math.IsNaN(a.Value()) {
		t.Errorf("no requests: %s, value %v; want INCONCLUSIVE, NaN", a.Verdict, a.Value())
	}
}
