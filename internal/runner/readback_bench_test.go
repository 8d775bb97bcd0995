package runner

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// benchLatency is the latency the benchmark's loopback store adds to every
// read, about a cross-region round trip.
const benchLatency = 80 * time.Millisecond

// BenchmarkReadback measures, against a loopback store that answers each
// read after 80 ms:
//
//   - writes/s: acknowledged writes the read-back verifies a second (30,000
//     candidates, timed from the injection to the last first read);
//   - complete-rate/s: the highest write rate at which a 10 s fault leaves no
//     candidate unread, with the 2 min lookback's writes before it and writes
//     at that rate during it. The candidates are (120 s + 10 s) · rate, so the
//     estimate is writes/s · 10 s / 130 s; runs at 100 %, 90 %, 80 % … of it
//     find the first that completes.
//
// Run: go test -run '^$' -bench BenchmarkReadback -benchtime 1x ./internal/runner/
func BenchmarkReadback(b *testing.B) {
	for range b.N {
		x := readbackThroughput(b, 30_000)
		b.ReportMetric(x, "writes/s")
		estimate := x * 10 / 130
		complete := 0.0
		for share := 1.0; share > 0.45 && complete == 0; share -= 0.1 {
			if rate := math.Floor(share * estimate); readbackAtRate(b, rate) == 0 {
				complete = rate
			}
		}
		b.ReportMetric(complete, "complete-rate/s")
	}
}

func slowStore(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(benchLatency):
	case <-r.Context().Done():
	}
}

// readbackThroughput reads n candidates and returns the reads a second.
func readbackThroughput(b *testing.B, n int) float64 { return readbackThroughputWith(b, n, slowStore) }

func readbackThroughputWith(b *testing.B, n int, store http.HandlerFunc) float64 {
	h := newRBHarness(b, store, 0)
	h.write("w", n, time.Minute)
	began := h.inject()
	for deadline := began.Add(60 * time.Second); h.firstReads() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d read in 60 s", h.firstReads(), n)
		}
	}
	took := time.Since(began)
	_, rep := h.finish(context.Background(), h.heal())
	b.Logf("%d read in %v: %s", n, took.Round(time.Millisecond), rep.Notes)
	return float64(n) / took.Seconds()
}

// readbackAtRate runs a 10 s fault at rate writes a second (the lookback's
// worth before it) and returns the candidates left unread.
func readbackAtRate(b *testing.B, rate float64) uint64 {
	h := newRBHarness(b, slowStore, 0)
	h.rb.allowance = deploymentAllowance
	spacing := time.Duration(float64(time.Second) / rate)
	now := time.Now().Round(0)
	n := int(readbackLookback / spacing)
	for i := range n {
		h.sk.Write(results.AckedWrite{ID: "before-" + strconv.Itoa(i), Region: "eastus", Acked: now.Add(-readbackLookback + time.Duration(i)*spacing)})
	}
	injected := h.inject()
	for i := 0; ; i++ {
		at := injected.Add(time.Duration(i) * spacing)
		if at.After(injected.Add(10 * time.Second)) {
			break
		}
		time.Sleep(time.Until(at))
		h.sk.Write(results.AckedWrite{ID: "during-" + strconv.Itoa(i), Region: "eastus", Acked: time.Now().Round(0)})
	}
	_, rep := h.finish(context.Background(), h.heal())
	f := rep.Faults[0]
	b.Logf("at %.0f writes/s: %d candidates, %d read during the fault, %d unread", rate, f.AckedWrites, f.ReadWrites, f.UnreadWrites)
	return f.UnreadWrites
}

// BenchmarkReadbackLoopback measures the writes a second the read-back
// verifies against a loopback store that answers at once: the cost of a read
// in this process, where the pool limit stops the pool's growth.
func BenchmarkReadbackLoopback(b *testing.B) {
	for range b.N {
		b.ReportMetric(readbackThroughputWith(b, 20_000, func(http.ResponseWriter, *http.Request) {}), "writes/s")
	}
}
