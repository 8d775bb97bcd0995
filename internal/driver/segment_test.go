package driver

import (
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestSegmentsPartitionTheArrivals: one run sending everything and three
// generators (us split in halves, eu whole) sharing one start send the
// same requests: each arrival (client region, intended start) once,
// and the servers' own counts add up to the single run's.
func TestSegmentsPartitionTheArrivals(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		var hits atomic.Int64
		srv := server(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); okHandler("eastus")(w, r) })
		base := Config{
			Targets: map[string]string{"us": srv.URL, "eu": srv.URL},
			Weights: map[string]float64{"us": 3, "eu": 1},
			Rate:    400, Duration: 500 * time.Millisecond, Seed: 11,
			Journeys: []Journey{{Name: "two", Weight: 1, Steps: []string{StepBrowse, StepProduct}}},
		}
		seg := func(s string) results.Segment {
			sg, err := results.ParseSegment(s)
			if err != nil {
				t.Fatal(err)
			}
			return sg
		}
		keys := func(cfg Config) ([]string, int64) {
			hits.Store(0)
			cfg.Start = time.Now().Add(20 * time.Millisecond).Truncate(time.Millisecond)
			var sink memSink
			run(t, cfg, &sink)
			var out []string
			for _, o := range sink.sorted() {
				if o.Step != StepBrowse {
					continue // a later step's intended start follows the answer before it
				}
				// the arrival's offset from the start identifies it (with its region and step)
				out = append(out, fmt.Sprintf("%s %s %d", o.ClientRegion, o.Step, o.Intended.Sub(cfg.Start)))
			}
			return out, hits.Load()
		}
		one, oneHits := keys(base)
		var parts []string
		var partHits int64
		for _, s := range []map[string]results.Segment{{"us": seg("0:1/2")}, {"us": seg("1/2:1")}, {"eu": seg("")}} {
			cfg := base
			cfg.Segments = s
			k, h := keys(cfg)
			if len(k) == 0 || len(k) == len(one) {
				t.Fatalf("segments %v sent %d of %d requests", s, len(k), len(one))
			}
			parts, partHits = append(parts, k...), partHits+h
		}
		slices.Sort(one)
		slices.Sort(parts)
		if !slices.Equal(one, parts) || partHits != oneHits {
			t.Fatalf("the generators sent %d requests (servers saw %d), one run %d (%d): not the same arrivals", len(parts), partHits, len(one), oneHits)
		}
	})
}

func TestSegmentsOfUnknownRegion(t *testing.T) {
	cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:1"}, Rate: 10, Duration: time.Second,
		Segments: map[string]results.Segment{"eu": {}}}
	if errs := cfg.Validate(); len(errs) != 1 {
		t.Fatalf("errors %v, want one naming eu", errs)
	}
}
