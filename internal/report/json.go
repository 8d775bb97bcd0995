package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
)

// JSON writes report.json (DESIGN.md §8): the slo.Report as it is, indented,
// fields in the model's order and map keys sorted, so two runs diff cleanly.
// Times are written in UTC at millisecond precision (§8); an empty schema is
// filled with slo.Schema, and missing lists are written as [] / {} rather
// than null so that consumers such as jq need no null checks. The caller's
// report is not modified.
func JSON(w io.Writer, r *slo.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep "n < 299" readable
	if err := enc.Encode(forJSON(r)); err != nil {
		return fmt.Errorf("encode report.json: %w", err)
	}
	return nil
}

// forJSON returns a shallow copy of r normalised for report.json.
func forJSON(r *slo.Report) *slo.Report {
	c := *r
	if c.Schema == "" {
		c.Schema = slo.Schema
	}
	c.Started = ms(c.Started)
	if c.Objectives == nil {
		c.Objectives = []slo.Objective{}
	}
	if c.Regions == nil {
		c.Regions = map[string]slo.RegionSummary{}
	}
	c.Faults = make([]slo.FaultSummary, len(r.Faults))
	for i, f := range r.Faults {
		f.Injected = ms(f.Injected)
		f.Healed = msPtr(f.Healed)
		f.FirstFailure = msPtr(f.FirstFailure)
		f.LastFailure = msPtr(f.LastFailure)
		if f.RTOS.ByClientRegion == nil {
			f.RTOS.ByClientRegion = map[string]*float64{}
		}
		c.Faults[i] = f
	}
	return &c
}

// ms rounds t to the millisecond in UTC.
func ms(t time.Time) time.Time { return t.Round(time.Millisecond).UTC() }

// msPtr is ms for an optional time, returning a new pointer.
func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}
