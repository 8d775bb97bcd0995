package slo

import (
	"time"

	"github.com/slocheck/slocheck/results"
)

// synth builds a results.Run request by request, as an engine would record
// it: every client region and step sends perStep requests per interval,
// evenly spaced; outcome decides each one.
type synth struct {
	seconds int
	regions []string
	steps   []string
	perStep int
	// outcome returns the request's error kind (ErrNone for a success),
	// when users saw its end, and its latency when it succeeded.
	outcome func(region, step string, sent time.Time, i int) (kind results.ErrorKind, end time.Time, latency time.Duration)
}

func (s synth) run() *results.Run {
	run := &results.Run{Header: results.Header{
		Schema: "slocheck/results/v1", Scenario: "synthetic-failover", Engine: "go", Target: "embedded",
		Started: t0, Interval: results.Duration(time.Second), Regions: s.regions, ClientRegions: s.regions,
		Steps: s.steps, Targets: results.DefaultTargets(),
	}}
	spacing := time.Second / time.Duration(s.perStep)
	i := 0
	for sec := 0; sec < s.seconds; sec++ {
		for _, r := range s.regions {
			for _, st := range s.steps {
				iv := results.Interval{Start: at(float64(sec)), ClientRegion: r, Step: st,
					Packed: results.NewPackedLatencyHistogram(), ServedBy: map[string]uint64{}}
				for k := 0; k < s.perStep; k++ {
					sent := iv.Start.Add(time.Duration(k) * spacing)
					kind, end, lat := s.outcome(r, st, sent, i)
					i++
					iv.Counts[kind]++
					if kind.Failed() {
						run.Failures = append(run.Failures, results.Failure{Time: end, Intended: sent, ClientRegion: r, Step: st, Err: kind})
						continue
					}
					iv.ServedBy[r]++
					_ = iv.Packed.RecordValue(results.LatencyValue(lat))
				}
				run.Intervals = append(run.Intervals, iv)
			}
		}
	}
	return run
}

// latencyOf is a deterministic spread of latencies from 20 ms to 69.9 ms.
func latencyOf(i int) time.Duration {
	return 20*time.Millisecond + time.Duration((i*7919)%500)*100*time.Microsecond
}
