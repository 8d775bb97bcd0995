package slo

import (
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// hourRun is a one-hour, 1,000 req/s run: 2 client regions × 4 steps × 125
// req/s, 3,600 one-second intervals of each (28,800 interval records, 3.6 M
// requests). One request in 200 fails at random places (18,000 Failure
// records), and eastus-down, injected at 1,800 s and healed 20 s later,
// refuses eastus's users for 4 s (2,000 more).
func hourRun() *results.Run {
	s := synth{seconds: 3600, regions: []string{"eastus", "westeurope"},
		steps: []string{"browse", "product", "cart", "checkout"}, perStep: 125,
		outcome: func(region, _ string, sent time.Time, i int) (results.ErrorKind, time.Time, time.Duration) {
			switch {
			case region == "eastus" && !sent.Before(at(1800)) && sent.Before(at(1804)):
				return results.ErrRefused, sent.Add(100 * time.Microsecond), 0
			case (i*7919)%200 == 0:
				return results.Err5xx, sent.Add(30 * time.Millisecond), 0
			}
			return results.ErrNone, sent.Add(latencyOf(i)), latencyOf(i)
		}}
	run := s.run()
	run.Events = []results.Event{
		{Time: at(1800), Kind: results.EventFaultInjected, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
		{Time: at(1820), Kind: results.EventFaultHealed, Fault: "eastus-down"},
	}
	run.Trailer = &results.Trailer{Ended: at(3600), Reason: "completed", Requests: 3_600_000}
	return run
}

// BenchmarkEvaluateHour evaluates the stream of a one-hour 1,000 req/s run
// held in memory (reading it is the results package's benchmark).
func BenchmarkEvaluateHour(b *testing.B) {
	run := hourRun()
	b.ReportMetric(float64(len(run.Failures)), "failures")
	b.ReportAllocs()
	cpu0, n := cpuTime(), 0
	for b.Loop() {
		r := Evaluate(run, Options{})
		if r.Requests != 3_600_000 {
			b.Fatalf("%d requests", r.Requests)
		}
		n++
	}
	// CPU time per evaluation (GC included): wall time on a busy machine
	// counts the time spent waiting for a core too.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(n), "cpu-ns/op")
}

func BenchmarkQuantileRanksHour(b *testing.B) {
	for b.Loop() {
		QuantileRanks(3_600_000, 0.99, 0.95)
	}
}
