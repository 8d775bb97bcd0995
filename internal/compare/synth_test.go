package compare

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// synth builds a run as an engine records it: per second and client region
// (us, eu) perSecond requests of one step, latencies log-normal around
// median (σ 0.4) from a seeded source, failures with probability failRatio.
type synth struct {
	seconds, perSecond int
	median             time.Duration
	failRatio          float64
	seed               uint64
	scenario           string
	slow               func(sec int) float64 // latency multiplier per second; nil: 1
}

func (s synth) run() *results.Run {
	if s.scenario == "" {
		s.scenario = "synthetic"
	}
	regions := []string{"us", "eu"}
	run := &results.Run{Header: results.Header{
		Schema: "slocheck/results/v1", Scenario: s.scenario, Engine: "go", Target: "embedded",
		Started: t0, Interval: results.Duration(time.Second), Regions: []string{"eastus", "westeurope"},
		ClientRegions: regions, Steps: []string{"browse"}, Targets: results.DefaultTargets(),
	}}
	rng := rand.New(rand.NewPCG(s.seed, 7))
	for sec := range s.seconds {
		for _, r := range regions {
			iv := results.Interval{Start: t0.Add(time.Duration(sec) * time.Second), ClientRegion: r, Step: "browse",
				Packed: results.NewPackedLatencyHistogram()}
			for k := range s.perSecond {
				if rng.Float64() < s.failRatio {
					iv.Counts[results.Err5xx]++
					sent := iv.Start.Add(time.Duration(k) * time.Second / time.Duration(s.perSecond))
					run.Failures = append(run.Failures, results.Failure{Time: sent, Intended: sent, ClientRegion: r, Step: "browse", Err: results.Err5xx, Status: 503})
					continue
				}
				iv.Counts[results.ErrNone]++
				lat := time.Duration(float64(s.median) * math.Exp(0.4*rng.NormFloat64()))
				if s.slow != nil {
					lat = time.Duration(float64(lat) * s.slow(sec))
				}
				_ = iv.Packed.RecordValue(results.LatencyValue(lat))
			}
			run.Intervals = append(run.Intervals, iv)
		}
	}
	run.Trailer = &results.Trailer{Ended: t0.Add(time.Duration(s.seconds) * time.Second), Reason: "completed"}
	return run
}

func (s synth) side() Side {
	run := s.run()
	rep := slo.Evaluate(run, slo.Options{})
	return Side{Report: &rep, Run: run}
}
