package slo

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// slowOrTimedOut is 60 s at 100 req/s in which every 40th request (2.5 %) is
// answered in 400 ms, or, with timeout, fails at the 2 s timeout instead.
func slowOrTimedOut(timeout bool) *results.Run {
	i := 0
	return spaced(60, map[string]float64{"eu": 0.01}, func(_ string, sent time.Time) (results.ErrorKind, time.Time) {
		i++
		switch {
		case i%40 != 0:
			return results.ErrNone, sent.Add(30 * time.Millisecond)
		case timeout:
			return results.ErrTimeout, sent.Add(2 * time.Second)
		default:
			return results.ErrNone, sent.Add(400 * time.Millisecond)
		}
	})
}

// TestLatencyWithin: a timeout lowers p99 over successes (it drops the slow
// answers out of it) but never improves the share of all requests answered
// within the target.
func TestLatencyWithin(t *testing.T) {
	slow, timedOut := Evaluate(slowOrTimedOut(false), Options{}), Evaluate(slowOrTimedOut(true), Options{})
	if p := objective(t, slow, "p99", "overall"); p.Verdict != Fail {
		t.Errorf("slow answers: p99 %s, want FAIL", p.Verdict)
	}
	if p := objective(t, timedOut, "p99", "overall"); p.Verdict != Pass {
		t.Errorf("timeouts: p99 %s, want PASS (the timeouts are not in it)", p.Verdict)
	}
	for _, r := range []Report{slow, timedOut} {
		for _, scope := range []string{"overall", "region:eu"} {
			o := objective(t, r, LatencyWithinName, scope)
			// 5,850 of 6,000 answered in 30 ms; the 150 others are 400 ms or time out.
			near(t, "latency-within "+scope, o.Value, 5850.0/6000, 1e-12)
			if o.N != 6000 || o.Target != 0.99 || o.Verdict != Info || o.CIHigh == nil || *o.CIHigh >= 0.99 {
				t.Errorf("latency-within %s: %+v", scope, o)
			}
		}
	}
	run := slowOrTimedOut(true)
	run.Header.Targets.LatencyWithinDecides = true
	r := Evaluate(run, Options{})
	if o := objective(t, r, LatencyWithinName, "overall"); o.Verdict != Fail || r.Verdict != Fail || r.ExitCode != 99 {
		t.Errorf("deciding latency-within: %s, run %s exit %d; want FAIL, FAIL 99", o.Verdict, r.Verdict, r.ExitCode)
	}
	if o := objective(t, r, LatencyWithinName, "region:eu"); o.Verdict != Info {
		t.Errorf("latency-within region:eu decides: %s", o.Verdict)
	}
}

func TestCountWithin(t *testing.T) {
	h := results.NewLatencyHistogram()
	for _, us := range []int64{1000, 149_000, 150_000, 150_200, 2_000_000} {
		_ = h.RecordValue(us)
	}
	// 150,000 µs shares a bucket with values above 150 ms: left out (errs low).
	if got := CountWithin(h, 150*time.Millisecond); got != 2 {
		t.Errorf("CountWithin(150 ms) = %d, want 2", got)
	}
	if got := CountWithin(h, time.Hour); got != 5 {
		t.Errorf("CountWithin(1 h) = %d, want 5", got)
	}
}

// TestCountWithinAllocatesLittle: counting walks the populated buckets only.
// Before, it built a bar for each of the one-hour geometry's 23,552 buckets
// (565 KB) at every call, and belowLate calls it once per interval of a run.
func TestCountWithinAllocatesLittle(t *testing.T) {
	h := results.NewLatencyHistogram()
	for us := int64(1000); us < 2_000_000; us = us*11/10 + 1 {
		_ = h.RecordValue(us)
	}
	want := CountWithin(h, 150*time.Millisecond)
	const calls = 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range calls {
		if got := CountWithin(h, 150*time.Millisecond); got != want {
			t.Fatalf("CountWithin = %d, then %d", want, got)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / calls; per > 32<<10 {
		t.Errorf("CountWithin allocates %d bytes a call, want under 32 KB (the histogram's range must not matter)", per)
	}
}

func BenchmarkCountWithin(b *testing.B) {
	h := results.NewLatencyHistogram()
	for us := int64(1000); us < 2_000_000; us = us*11/10 + 1 {
		_ = h.RecordValue(us)
	}
	b.ReportAllocs()
	for b.Loop() {
		CountWithin(h, 150*time.Millisecond)
	}
}

// TestCountWithinMatchesDistribution holds CountWithin to the buckets the
// library's own Distribution reports wholly at most the target, on random
// latencies and targets on and around bucket edges.
func TestCountWithinMatchesDistribution(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 1))
	for range 200 {
		h := results.NewLatencyHistogram()
		for range 1 + rng.IntN(300) {
			_ = h.RecordValue(1 + rng.Int64N(5_000_000>>rng.IntN(12)))
		}
		bars := h.Distribution()
		for range 10 {
			target := time.Duration(rng.Int64N(3_000_000)) * time.Microsecond
			if rng.IntN(2) == 0 { // exactly a bucket's last value, or one past it
				b := bars[rng.IntN(len(bars))]
				target = time.Duration(b.To+rng.Int64N(2)) * time.Microsecond
			}
			var want uint64
			for _, b := range bars {
				if b.To > target.Microseconds() {
					break
				}
				want += uint64(b.Count)
			}
			if got := CountWithin(h, target); got != want {
				t.Fatalf("CountWithin(%v) = %d, Distribution says %d", target, got, want)
			}
		}
	}
}
