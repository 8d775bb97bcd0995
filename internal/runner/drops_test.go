package runner

import (
	"bytes"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/results"
)

// A bulk drop reaches the stream as dropped requests of the intervals it
// spans, in proportion, every request counted once.
func TestBulkDropsCounted(t *testing.T) {
	var buf bytes.Buffer
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	h := results.Header{Scenario: "t", Engine: "go", Started: start, Interval: results.Duration(time.Second), ClientRegions: []string{"us"}, Steps: []string{"browse"}}
	rec, err := results.NewRecorder(h, &buf, results.WithoutTicker(), results.WithClock(func() time.Time { return start.Add(time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	sk := newSink(rec)
	sk.Dropped(driver.Drop{ClientRegion: "us", Step: "browse", From: start.Add(500 * time.Millisecond), To: start.Add(3 * time.Second), N: 1001})
	sk.stop()
	if err := rec.Close(results.Trailer{}); err != nil {
		t.Fatal(err)
	}
	run, err := results.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]uint64{}
	var total uint64
	for _, iv := range run.Intervals {
		n := iv.Counts[results.ErrDropped]
		got[int(iv.Start.Sub(start)/time.Second)] += n
		total += n
		if iv.Requests() != n {
			t.Errorf("interval at %v holds %d requests, %d dropped: a drop is nothing else", iv.Start, iv.Requests(), n)
		}
	}
	// 0.5 s, 1 s, 1 s and 0 s of the 2.5 s span: 200.2, 400.4, 400.4, 0.
	if total != 1001 || got[0] < 200 || got[0] > 201 || got[1] < 400 || got[1] > 401 || got[2] < 400 || got[2] > 401 {
		t.Errorf("dropped by interval %v (total %d), want about 200/400/400 of 1001", got, total)
	}
}
