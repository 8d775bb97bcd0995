package driver

import (
	"testing"
	"time"
)

func TestSplitSharesBulkDropsByWeight(t *testing.T) {
	cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:1", "eu": "http://127.0.0.1:2", "ap": "http://127.0.0.1:3"},
		Weights: map[string]float64{"us": 2, "eu": 1, "ap": 0}, Rate: 1, Duration: time.Second,
		Journeys: []Journey{{Weight: 3, Steps: []string{StepBrowse}}, {Weight: 1, Steps: Steps}}}
	r, err := newRunner(cfg.withDefaults(), discardSink{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []uint64{1, 7, 1000, 123456789} {
		var sum uint64
		for _, s := range r.split(k) {
			if r.regions[s.region].name == "ap" && s.n > 0 {
				t.Fatalf("k %d: %d to a region of weight 0", k, s.n)
			}
			want := float64(k) * r.pickReg.share(s.region) * r.pickJour.share(s.journey)
			if d := float64(s.n) - want; d <= -1 || d >= 1 {
				t.Fatalf("k %d: %d to region %d journey %d, want %.1f", k, s.n, s.region, s.journey, want)
			}
			sum += s.n
		}
		if sum != k {
			t.Fatalf("split %d into %d", k, sum)
		}
	}
}

func TestCountMod(t *testing.T) {
	for of := uint64(1); of <= 4; of++ {
		for id := range of {
			for a := range uint64(12) {
				for b := a; b < 12; b++ {
					var want uint64
					for n := a; n < b; n++ {
						if n%of == id {
							want++
						}
					}
					if got := countMod(a, b, of, id); got != want {
						t.Fatalf("countMod(%d, %d, %d, %d) = %d, want %d", a, b, of, id, got, want)
					}
				}
			}
		}
	}
}
