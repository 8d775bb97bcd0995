package driver

import (
	"math"
	"testing"
	"time"
)

// FuzzConfig: any numbers either fail Validate or give a runner whose
// schedule is finite and ordered, with due times inside it, and a run time
// bound that does not overflow. (go test -fuzz FuzzConfig ./internal/driver)
func FuzzConfig(f *testing.F) {
	f.Add(100.0, int64(time.Second), int64(0), 0.0, int64(0), int64(0), 10, 1)
	f.Add(1e12, int64(100000*time.Hour), int64(time.Hour), 1e23, int64(time.Hour), int64(time.Hour), int(1e9), 1000)
	f.Add(MaxRate, int64(MaxDuration), int64(MaxTimeout), MaxRate, int64(MaxDuration), int64(MaxThinkTime), int(MaxProducts), int(MaxStages))
	f.Add(1e-300, int64(1), int64(1), 5e-324, int64(1), int64(1), 1, 2)
	f.Fuzz(func(t *testing.T, rate float64, dur, timeout int64, stageRate float64, stageDur, think int64, products, stages int) {
		cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:1"}, Rate: rate,
			Duration: time.Duration(dur), Timeout: time.Duration(timeout), Products: min(products, 1<<20),
			Journeys: []Journey{{Weight: 1, ThinkTime: time.Duration(think), Steps: Steps}}}
		for range min(max(stages, 0), MaxStages+1) {
			cfg.Stages = append(cfg.Stages, Stage{Duration: time.Duration(stageDur), Rate: stageRate})
		}
		if len(cfg.Validate()) > 0 {
			return
		}
		r, err := newRunner(cfg.withDefaults(), discardSink{})
		if err != nil {
			t.Fatal(err)
		}
		length := r.pacer.length()
		if length < 0 || length > MaxDuration || cfg.MaxRunTime() < length {
			t.Fatalf("schedule %s, run time bound %s", length, cfg.MaxRunTime())
		}
		if total := r.pacer.total(); math.IsNaN(total) || total < 0 || total > MaxRate*MaxDuration.Seconds()+1 {
			t.Fatalf("%v arrivals", total)
		}
		prev := time.Duration(0)
		for range 1000 {
			d, ok := r.pacer.next()
			if !ok {
				break
			}
			if d < prev || d > length+time.Microsecond {
				t.Fatalf("due %s after %s, schedule %s", d, prev, length)
			}
			prev = d
		}
		r.pacer.skipTo(length / 2)
		if _, ok := r.pacer.next(); ok && r.pacer.n == 0 {
			t.Fatal("skip went nowhere")
		}
	})
}
