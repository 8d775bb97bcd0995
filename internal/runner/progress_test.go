package runner

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// TestProgressCountsAsTheFinalTable records known outcomes and checks that
// the last progress line counts requests, failures and dropped requests as
// the report evaluated from the stream does (issue 11: progress and the
// final table told different stories), and says what each number is.
func TestProgressCountsAsTheFinalTable(t *testing.T) {
	start := time.Now().Add(-3 * time.Second)
	h := results.Header{
		Schema: results.Schema, Scenario: "progress", Engine: "go", Target: "embedded", Started: start,
		Interval: results.Duration(time.Second), Regions: []string{"eastus"}, ClientRegions: []string{"us", "eu"},
		Steps: []string{"browse"}, Targets: results.DefaultTargets(),
	}
	var stream bytes.Buffer
	rec, err := results.NewRecorder(h, &stream)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []results.ErrorKind{results.ErrNone, results.ErrNone, results.ErrNone, results.ErrTimeout, results.Err5xx, results.ErrDropped}
	for i := range 600 {
		at := start.Add(time.Duration(i) * 4 * time.Millisecond)
		o := &results.Outcome{ClientRegion: []string{"us", "eu"}[i%2], Step: "browse", Intended: at, Err: kinds[i%len(kinds)]}
		if o.Err != results.ErrDropped {
			o.Sent, o.End, o.Status = at, at.Add(10*time.Millisecond), 200
		}
		if o.Err == results.Err5xx {
			o.Status = 503
		}
		rec.Record(o)
	}
	var out bytes.Buffer
	p := newProgress(&out, false, 3*time.Second, rec)
	p.start()
	p.stop()
	if err := rec.Close(results.Trailer{Ended: time.Now(), Reason: "completed", Requests: 600}); err != nil {
		t.Fatal(err)
	}
	run, err := results.Read(&stream)
	if err != nil {
		t.Fatal(err)
	}
	r := slo.Evaluate(run, slo.Options{})
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	for _, want := range []string{
		fmt.Sprintf(" %d requests done (", r.Requests),
		fmt.Sprintf(" %d failures (", r.Failures),
		fmt.Sprintf(", %d dropped ", r.Dropped),
		"p99 of successes 10.0 ms",
	} {
		if !strings.Contains(last, want) {
			t.Errorf("last progress line %q lacks %q (the report counts %d requests, %d failures, %d dropped)",
				last, want, r.Requests, r.Failures, r.Dropped)
		}
	}
	// The last line's rate is the whole run's (600 requests over the 3 s
	// since the start, plus the test's own few ms), not the tail's since the
	// previous line.
	var rate float64
	if _, after, ok := strings.Cut(last, "requests done ("); !ok {
		t.Errorf("last progress line %q has no rate", last)
	} else if _, err := fmt.Sscanf(after, "%f/s", &rate); err != nil || rate < 190 || rate > 200 {
		t.Errorf("last progress line %q: rate %v/s, want the run's 600 requests / ~3 s = 200/s", last, rate)
	}
	if r.Requests != 600 || r.Dropped != 100 {
		t.Errorf("report: %d requests, %d dropped; want 600 and 100", r.Requests, r.Dropped)
	}
}
