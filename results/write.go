package results

import (
	"fmt"
	"io"
)

// Write encodes a whole Run as one stream: the header, every interval, the
// failures, events, writes and read-backs, and the trailer when the run has
// one. Interval starts must lie on the header's interval grid.
func Write(w io.Writer, run *Run) error {
	h := run.Header
	if h.Interval <= 0 {
		return fmt.Errorf("write results: header has no interval")
	}
	e := newEncoder(&h)
	if err := e.preamble(&h); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	for i := range run.Intervals {
		e.intervalRecord(&run.Intervals[i])
	}
	e.failures(run.Failures)
	for i := range run.Events {
		if err := e.jsonRecord(kindEvent, &run.Events[i]); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	e.writes(run.Writes)
	e.readbacks(run.Readbacks)
	for i := range run.Health {
		if err := e.jsonRecord(kindHealth, &run.Health[i]); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	for i := range run.Thresholds {
		if err := e.jsonRecord(kindThreshold, &run.Thresholds[i]); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	for i := range run.Lags {
		if err := e.jsonRecord(kindLag, &run.Lags[i]); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	if run.Trailer != nil {
		if err := e.jsonRecord(kindTrailer, run.Trailer); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	if _, err := w.Write(e.out); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}
