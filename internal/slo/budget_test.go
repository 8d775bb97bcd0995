package slo

import (
	"math"
	"testing"
	"time"
)

func TestErrorBudget(t *testing.T) {
	tests := []struct{ target, want float64 }{
		{0.9999, 259.2},  // DESIGN.md §2
		{0.999, 2592},    // 43.2 min
		{0.99, 25920},    // 7.2 h
		{1, 0},           // no budget at all
		{0.99999, 25.92}, // five nines
	}
	for _, tt := range tests {
		if got := ErrorBudget(tt.target); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("ErrorBudget(%v) = %v s, want %v s", tt.target, got, tt.want)
		}
	}
}

func TestBudgetBurn(t *testing.T) {
	// 1 s intervals: half of all requests fail for 4 s, a tenth for 2 s.
	s := Series{Start: t0, Interval: time.Second, Requests: make([]uint64, 30), Failed: make([]uint64, 30)}
	for i := range s.Requests {
		s.Requests[i] = 1000
	}
	for i := 10; i < 14; i++ {
		s.Failed[i] = 500
	}
	s.Failed[14], s.Failed[15] = 100, 100
	s.Failed[25] = 1000 // outside the window
	tests := []struct {
		name string
		w    Window
		want float64
	}{
		{"the whole fault", Window{at(10), at(20)}, 4*0.5 + 2*0.1},
		{"edges count whole intervals", Window{at(10.5), at(12.2)}, 3 * 0.5},
		{"nothing failed", Window{at(0), at(10)}, 0},
		{"beyond the run", Window{at(28), at(40)}, 0},
		{"empty window", Window{at(12), at(12)}, 0},
	}
	for _, tt := range tests {
		if got := BudgetBurn(s, tt.w); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: %v failure-seconds, want %v", tt.name, got, tt.want)
		}
	}
	// 2.2 failure-seconds of 259.2 is 0.85 % of the 30-day budget at 99.99 %.
	share := BudgetBurn(s, Window{at(10), at(20)}) / ErrorBudget(0.9999)
	if math.Abs(share-2.2/259.2) > 1e-12 || BudgetVerdict(share, 0.2) != Pass {
		t.Errorf("share %v (%s)", share, BudgetVerdict(share, 0.2))
	}
	if BudgetVerdict(0.2, 0.2) != Pass || BudgetVerdict(0.2001, 0.2) != Fail {
		t.Error("at most 20 %: 0.2 passes, 0.2001 fails")
	}
}
