package slo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// randomFailover is a failover run with random shape: length, rate, the
// fault's instants, how long each client region's users fail, latencies,
// orders (some lost, some late), the generator's health and probe events.
func randomFailover(rng *rand.Rand) *results.Run {
	seconds := 30 + rng.IntN(50)
	inj := 5 + rng.Float64()*float64(seconds/2)
	heal := inj + 3 + rng.Float64()*10
	failUntil := map[string]float64{"eastus": inj + rng.Float64()*(heal-inj+2), "westeurope": inj + rng.Float64()*0.5}
	scale := 10 + rng.IntN(80)
	s := synth{seconds: seconds, regions: []string{"eastus", "westeurope"}, steps: []string{"browse", "checkout"}, perStep: 20 + rng.IntN(100),
		outcome: func(region, _ string, sent time.Time, i int) (results.ErrorKind, time.Time, time.Duration) {
			if !sent.Before(at(inj)) && sent.Before(at(failUntil[region])) {
				return []results.ErrorKind{results.ErrRefused, results.ErrTimeout, results.Err5xx}[i%3], sent.Add(time.Millisecond), 0
			}
			lat := time.Duration(scale+(i*7919)%(scale*3)) * time.Millisecond
			return results.ErrNone, sent.Add(lat), lat
		}}
	run := s.run()
	healthy := false
	run.Events = []results.Event{
		{Time: at(inj), Kind: results.EventFaultInjected, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
		{Time: at(inj + 1.2), Kind: results.EventProbe, Edge: "eastus", Region: "eastus", Healthy: &healthy},
		{Time: at(heal), Kind: results.EventFaultHealed, Fault: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down"},
	}
	for k := range 40 {
		id, cr := fmt.Sprintf("order-%02d", k), run.Header.ClientRegions[k%2]
		acked := at(inj - 2 + rng.Float64()*3)
		run.Writes = append(run.Writes, results.AckedWrite{ID: id, Region: "eastus", ClientRegion: cr, Acked: acked})
		found := rng.IntN(4) != 0
		run.Readbacks = append(run.Readbacks, results.Readback{ID: id, Region: "westeurope", Time: at(inj + 1), Found: found, Phase: PhaseAfterFault, Fault: "eastus-down"})
		if !found {
			run.Readbacks = append(run.Readbacks, results.Readback{ID: id, Region: "westeurope", Time: at(heal + 2), Found: rng.IntN(2) == 0, Phase: PhaseAfterHeal, Fault: "eastus-down"})
		}
	}
	for sec := range seconds {
		run.Health = append(run.Health, results.Health{Start: at(float64(sec)), Sends: 100, SendLagP99: results.Duration(rng.Int64N(int64(80 * time.Millisecond))), CPUs: 2})
	}
	var n uint64
	for i := range run.Intervals {
		n += run.Intervals[i].Requests()
	}
	run.Trailer = &results.Trailer{Ended: at(float64(seconds)), Reason: "completed", Requests: n}
	return run
}

// splitByClientRegion is what one generator per client region would have
// written of run: its region's intervals, failures and orders (and their
// read-backs), every event (each saw the fault) and the health records.
func splitByClientRegion(run *results.Run) []*results.Run {
	var parts []*results.Run
	for _, cr := range run.Header.ClientRegions {
		p := &results.Run{Header: run.Header, Events: run.Events, Health: run.Health}
		p.Header.ClientRegions, p.Header.Role, p.Header.Generator = []string{cr}, results.RoleGenerator, "gen-"+cr
		ids := map[string]bool{}
		var n uint64
		for _, iv := range run.Intervals {
			if iv.ClientRegion == cr {
				p.Intervals = append(p.Intervals, iv)
				n += iv.Requests()
			}
		}
		for _, f := range run.Failures {
			if f.ClientRegion == cr {
				p.Failures = append(p.Failures, f)
			}
		}
		for _, w := range run.Writes {
			if w.ClientRegion == cr {
				p.Writes, ids[w.ID] = append(p.Writes, w), true
			}
		}
		for _, rb := range run.Readbacks {
			if ids[rb.ID] {
				p.Readbacks = append(p.Readbacks, rb)
			}
		}
		p.Trailer = &results.Trailer{Ended: run.Trailer.Ended, Reason: "completed", Requests: n}
		parts = append(parts, roundTrip(p))
	}
	return parts
}

// roundTrip writes r as a stream and reads it back, as merge's inputs and
// output go through files.
func roundTrip(r *results.Run) *results.Run {
	var buf bytes.Buffer
	if err := results.Write(&buf, r); err != nil {
		panic(err)
	}
	out, err := results.Read(&buf)
	if err != nil {
		panic(err)
	}
	return out
}

// figures is report.json without what only a merged run has (merge, and
// the notes about it).
func figures(t *testing.T, r Report) string {
	r.Merge = nil
	r.Notes = slices.DeleteFunc(slices.Clone(r.Notes), func(n string) bool {
		return strings.HasPrefix(n, "merged from") || strings.HasPrefix(n, "fault eastus-down: reported by")
	})
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSplitMergeSameReport is the merge property of issue 15: a run split
// by client region into one stream per generator, the parts merged (fault
// events reconciled), gives the report.json figures of the run itself.
func TestSplitMergeSameReport(t *testing.T) {
	for trial := range 12 {
		run := roundTrip(randomFailover(rand.New(rand.NewPCG(uint64(trial), 15))))
		m := results.NewMerger(results.MergeOptions{})
		for _, p := range splitByClientRegion(run) {
			if err := m.Add(p.Header.Generator, p); err != nil {
				t.Fatal(err)
			}
		}
		merged, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		want := Evaluate(run, Options{})
		got := Evaluate(roundTrip(merged), Options{})
		if len(want.Faults) != 1 || len(got.Faults) != 1 || got.Merge == nil || len(got.Merge.Faults[0].Sources) != 2 {
			t.Fatalf("trial %d: faults %d and %d, merge %+v", trial, len(want.Faults), len(got.Faults), got.Merge)
		}
		if a, b := figures(t, want), figures(t, got); a != b {
			t.Fatalf("trial %d: report of the merged parts differs:\n%s", trial, firstDiff(a, b))
		}
	}
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  original %s\n  merged   %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(la), len(lb))
}
