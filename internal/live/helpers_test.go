package live

import (
	"io"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// benchOutcomes are a run's mix: two client regions, four steps, one
// failure in fifty.
func benchOutcomes() []results.Outcome {
	now := time.Now()
	var out []results.Outcome
	for i := range 200 {
		o := results.Outcome{ClientRegion: []string{"us", "eu"}[i%2], Step: []string{"browse", "product", "cart", "checkout"}[i%4],
			Intended: now, Sent: now.Add(50 * time.Microsecond), End: now.Add(time.Duration(20+i%60) * time.Millisecond), Status: 200}
		if i%50 == 7 {
			o.Err, o.Status = results.ErrRefused, 0
		}
		out = append(out, o)
	}
	return out
}

// feed hands outs to m as a run does: each to Outcome (the run's sink), and
// through a results.Recorder whose written intervals go to Interval. It
// returns once the recorder is closed: every interval was written.
func feed(tb testing.TB, m *Metrics, timeout time.Duration, outs []results.Outcome) {
	tb.Helper()
	start := outs[0].Intended
	for _, o := range outs {
		if o.Intended.Before(start) {
			start = o.Intended
		}
	}
	rec, err := results.NewRecorder(results.Header{Scenario: "live-test", Engine: "go", Target: "embedded", Started: start,
		Targets: results.Targets{Timeout: results.Duration(timeout)}}, io.Discard,
		results.WithoutTicker(), results.WithIntervalObserver(m.Interval))
	if err != nil {
		tb.Fatal(err)
	}
	for i := range outs {
		m.Outcome(&outs[i])
		rec.Record(&outs[i])
	}
	if err := rec.Close(results.Trailer{}); err != nil {
		tb.Fatal(err)
	}
}
