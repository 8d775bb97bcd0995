package slo

import (
	"time"

	"github.com/slocheck/slocheck/results"
)

// addStory adds an interval's requests by serving region and failures by
// kind to a timeline point: the failover story the reports tell.
func (p *Point) addStory(iv *results.Interval) {
	for r, n := range iv.ServedBy {
		if n > 0 {
			if p.ServedBy == nil {
				p.ServedBy = map[string]uint64{}
			}
			p.ServedBy[r] += n
		}
	}
	add := func(kind string, n uint64) {
		if n > 0 {
			if p.FailuresByKind == nil {
				p.FailuresByKind = map[string]uint64{}
			}
			p.FailuresByKind[kind] += n
		}
	}
	for k, n := range iv.Counts {
		if results.ErrorKind(k).Failed() {
			add(results.ErrorKind(k).String(), n)
		}
	}
	add(TooSlowKind, min(iv.TooSlow, iv.Counts[results.ErrNone]))
}

// probes are the run's probe transitions, in seconds since start.
func probes(events []results.Event, start time.Time) []Probe {
	var out []Probe
	for _, e := range events {
		if e.Kind == results.EventProbe && e.Healthy != nil {
			out = append(out, Probe{T: e.Time.Sub(start).Seconds(), Edge: e.Edge, Region: e.Region, Healthy: *e.Healthy})
		}
	}
	return out
}
