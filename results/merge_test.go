package results

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/montanaflynn/stats"
)

// split deals outcomes to k generators at random.
func split(rng *rand.Rand, outcomes []Outcome, k int) [][]Outcome {
	parts := make([][]Outcome, k)
	for _, o := range outcomes {
		i := rng.IntN(k)
		parts[i] = append(parts[i], o)
	}
	return parts
}

// TestMergeEqualsOneStream is the merge property: random traffic recorded
// by k generators and merged equals the same traffic recorded by one.
func TestMergeEqualsOneStream(t *testing.T) {
	trials := 30
	if raceEnabled {
		trials = 4
	}
	for trial := range trials {
		rng := rand.New(rand.NewPCG(uint64(trial), 77))
		k := 1 + rng.IntN(5)
		spec := trafficSpec{n: 200 + rng.IntN(4000), duration: time.Duration(1+rng.IntN(20)) * time.Second,
			failRate: rng.Float64() * 0.1, slowRate: rng.Float64() * 0.02}
		outcomes := genTraffic(rng, spec)
		one := mustRead(t, record(t, testHeader(), outcomes))

		runs := make([]*Run, k)
		for i, part := range split(rng, outcomes, k) {
			h := testHeader()
			h.Generator = fmt.Sprintf("g%d", i)
			runs[i] = mustRead(t, record(t, h, part))
		}
		merged, err := Merge(runs...)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffRuns(one, merged); d != "" {
			t.Fatalf("trial %d (k=%d, n=%d): %s", trial, k, spec.n, d)
		}
		if merged.Trailer == nil || merged.Trailer.Requests != uint64(spec.n) {
			t.Fatalf("trial %d: trailer %+v", trial, merged.Trailer)
		}
		if k > 1 && !strings.HasPrefix(merged.Header.Generator, "g") {
			t.Fatalf("generator %q", merged.Header.Generator)
		}
	}
}

// TestMergeRecordsAndEvents: writes, read-backs and failures interleave by
// time; an event both generators saw appears once.
func TestMergeRecordsAndEvents(t *testing.T) {
	a, b := sampleRun(t), sampleRun(t)
	b.Header.Generator = "other"
	b.Writes = []AckedWrite{{ID: "order-3", Region: "westeurope", Acked: t0.Add(920 * time.Millisecond)}}
	b.Trailer = nil
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Events) != len(a.Events) || len(m.Failures) != 2*len(a.Failures) || m.Trailer != nil {
		t.Fatalf("events %d, failures %d, trailer %v", len(m.Events), len(m.Failures), m.Trailer)
	}
	if ids := [3]string{m.Writes[0].ID, m.Writes[1].ID, m.Writes[2].ID}; ids != [3]string{"order-1", "order-3", "order-2"} {
		t.Fatalf("writes in order %v", ids)
	}
	for i := 1; i < len(m.Failures); i++ {
		if m.Failures[i].Time.Before(m.Failures[i-1].Time) {
			t.Fatal("failures out of order")
		}
	}
	if requests(m) != 2*requests(a) {
		t.Fatalf("requests %d, want %d", requests(m), 2*requests(a))
	}
	// The inputs are untouched.
	if d := diffRuns(a, sampleRun(t)); d != "" {
		t.Fatalf("input modified: %s", d)
	}
}

func TestMergeRejectsMismatch(t *testing.T) {
	base := sampleRun(t)
	cases := map[string]func(h *Header){
		"scenario": func(h *Header) { h.Scenario = "other" },
		"interval": func(h *Header) { h.Interval = Duration(2 * time.Second) },
		"targets":  func(h *Header) { h.Targets.P99 = Duration(time.Second) },
		"grid":     func(h *Header) { h.Started = h.Started.Add(300 * time.Millisecond) },
	}
	for name, change := range cases {
		other := *base
		change(&other.Header)
		if _, err := Merge(base, &other); err == nil {
			t.Errorf("%s mismatch merged", name)
		}
	}
	shifted := *base
	shifted.Header.Started = base.Header.Started.Add(-3 * time.Second) // same grid: accepted
	if m, err := Merge(base, &shifted); err != nil || !m.Header.Started.Equal(shifted.Header.Started) {
		t.Fatalf("grid-aligned start: %v", err)
	}
	if _, err := Merge(); err == nil {
		t.Fatal("no runs merged")
	}
}

// TestMergedQuantileWithinPrecision: a quantile of the merged histograms is
// the exact order statistic of the raw samples to 3 significant digits.
func TestMergedQuantileWithinPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	outcomes := genTraffic(rng, trafficSpec{n: 50000, duration: 20 * time.Second, failRate: 0.01, slowRate: 0.002})
	var runs []*Run
	for _, part := range split(rng, outcomes, 3) {
		runs = append(runs, mustRead(t, record(t, testHeader(), part)))
	}
	merged, err := Merge(runs...)
	if err != nil {
		t.Fatal(err)
	}
	timeout := DefaultTargets().Timeout.Std()
	for _, region := range append([]string{""}, testRegions...) {
		var raw stats.Float64Data
		for _, o := range outcomes {
			if (region == "" || o.ClientRegion == region) && !o.Err.Failed() && o.End.Sub(o.Intended) <= timeout {
				raw = append(raw, float64(o.End.Sub(o.Intended).Microseconds()))
			}
		}
		h := merged.LatencyHistogram(func(iv *Interval) bool { return region == "" || iv.ClientRegion == region })
		if h.TotalCount() != int64(len(raw)) {
			t.Fatalf("%q: histogram holds %d, raw %d", region, h.TotalCount(), len(raw))
		}
		for _, q := range []float64{50, 90, 99, 99.9, 100} {
			// HdrHistogram's rank for quantile q is round(q·n); take the raw
			// order statistic of that rank through nearest-rank selection.
			n := float64(len(raw))
			rank := min(max(float64(int64(q/100*n+0.5)), 1), n)
			exact, err := stats.PercentileNearestRank(raw, 100*(rank-0.5)/n)
			if err != nil {
				t.Fatal(err)
			}
			got := float64(h.ValueAtQuantile(q))
			if got < exact || got-exact > exact/1000 {
				t.Errorf("%q p%v: histogram %v µs, exact %v µs", region, q, got, exact)
			}
		}
	}
}

// TestWriteMergedRun: a merged Run encodes and reads back unchanged.
func TestWriteMergedRun(t *testing.T) {
	m, err := Merge(sampleRun(t), sampleRun(t))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	if d := diffRuns(m, mustRead(t, buf.Bytes())); d != "" {
		t.Fatal(d)
	}
}
