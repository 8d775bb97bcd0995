package runner

import (
	"math"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestSinkBudgetBurn integrates the failure ratio of all client regions
// over the samples after an instant: 1 s at 50 % failures then 1 s at 0 %
// is 0.5 failure-seconds; nothing before the instant counts.
func TestSinkBudgetBurn(t *testing.T) {
	t0 := time.Now()
	s := &sink{}
	if !math.IsNaN(s.budgetBurn(t0)) {
		t.Error("a burn without samples, want NaN")
	}
	at := func(d time.Duration, usReq, usFail, euReq uint64) sample {
		return sample{at: t0.Add(d), regions: []results.LiveRegion{
			{ClientRegion: "eu", Requests: euReq},
			{ClientRegion: "us", Requests: usReq, Failures: usFail},
		}}
	}
	s.samples = []sample{
		at(-time.Second, 0, 0, 0),
		at(0, 100, 100, 100),             // before t0's window: all us requests failed, not counted
		at(time.Second, 200, 150, 200),   // 50 of 200 failed over 1 s: 0.25
		at(2*time.Second, 300, 175, 300), // 25 of 200: 0.125
	}
	if got := s.budgetBurn(t0); math.Abs(got-0.375) > 1e-9 {
		t.Errorf("burn = %v failure-seconds, want 0.375", got)
	}
}
