package runner

import (
	"io"
	"math"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestSinkFailureRatio: the stop condition's failure ratio is the worst
// client region's over the window, a region first seen inside the window
// counted from zero; NaN before two samples.
func TestSinkFailureRatio(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	h := results.Header{Scenario: "t", Engine: "go", Started: start, Interval: results.Duration(time.Second),
		ClientRegions: []string{"us", "eu"}, Steps: []string{"browse"}}
	rec, err := results.NewRecorder(h, io.Discard, results.WithoutTicker(), results.WithClock(func() time.Time { return start.Add(time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{rec: rec, done: make(chan struct{}), hooks: &hooks{}} // no sample loop: the test takes the samples
	record := func(region string, n, failed int) {
		for i := range n {
			o := results.Outcome{ClientRegion: region, Step: "browse", Intended: start, Sent: start, End: start.Add(time.Millisecond), Status: 200}
			if i < failed {
				o.Status, o.Err = 503, results.Err5xx
			}
			s.Outcome(&o)
		}
	}
	record("us", 100, 10)
	s.takeSample(start)
	if r := s.failureRatio(time.Second); !math.IsNaN(r) {
		t.Fatalf("one sample: ratio %v, want NaN", r)
	}
	record("us", 100, 50) // 50 % in the window
	s.takeSample(start.Add(time.Second))
	if r := s.failureRatio(time.Second); r != 0.5 {
		t.Fatalf("us at 50 %% over the window: ratio %v", r)
	}
	record("eu", 10, 8) // a region with no earlier sample: from zero
	s.takeSample(start.Add(2 * time.Second))
	if r := s.failureRatio(time.Second); r != 0.8 {
		t.Fatalf("eu at 80 %%, us idle: ratio %v", r)
	}
	if r := s.failureRatio(2 * time.Second); r != 0.8 {
		t.Fatalf("over two seconds: ratio %v, want eu's 0.8 (us 50/100)", r)
	}
}
