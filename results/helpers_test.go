package results

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

var (
	testRegions = []string{"eastus", "westeurope"}
	testSteps   = []string{"catalog", "product", "cart", "checkout"}
)

func testHeader() Header {
	return Header{
		Scenario: "test", Engine: "go", Target: "embedded", Started: t0, Interval: Duration(time.Second),
		Regions: testRegions, ClientRegions: testRegions, Steps: testSteps, Targets: DefaultTargets(),
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

// trafficSpec shapes genTraffic's outcomes.
type trafficSpec struct {
	n        int
	duration time.Duration
	failRate float64 // share of requests with a failing kind
	slowRate float64 // share answered after the timeout
}

// genTraffic returns n outcomes intended uniformly over the duration from
// t0, with log-normal latencies around 40 ms, ordered by completion.
func genTraffic(rng *rand.Rand, s trafficSpec) []Outcome {
	out := make([]Outcome, s.n)
	failing := []ErrorKind{ErrTimeout, ErrRefused, ErrReset, Err5xx, ErrDropped, ErrOther}
	for i := range out {
		o := &out[i]
		o.ClientRegion = testRegions[rng.IntN(len(testRegions))]
		o.Step = testSteps[rng.IntN(len(testSteps))]
		o.Intended = t0.Add(time.Duration(rng.Int64N(int64(s.duration))))
		lat := time.Duration(math.Exp(rng.NormFloat64()*0.6) * float64(40*time.Millisecond))
		o.Status = 200
		switch u := rng.Float64(); {
		case u < s.failRate:
			o.Err = failing[rng.IntN(len(failing))]
			o.Status = map[ErrorKind]int{Err5xx: 503}[o.Err]
		case u < s.failRate+s.slowRate:
			lat = 2*time.Second + time.Duration(rng.Int64N(int64(time.Second)))
		case u < s.failRate+s.slowRate+0.01:
			o.Err, o.Status = Err4xx, 404
		}
		if o.Err != ErrDropped {
			o.Sent = o.Intended.Add(time.Duration(rng.Int64N(int64(time.Millisecond))))
			o.End = o.Intended.Add(lat)
			if !o.Err.Failed() {
				o.ServedBy = testRegions[rng.IntN(len(testRegions))]
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Outcome) int { return doneAt(&a).Compare(doneAt(&b)) })
	return out
}

func doneAt(o *Outcome) time.Time {
	if o.End.IsZero() {
		return o.Intended
	}
	return o.End
}

// record feeds outcomes, in order, to a recorder on a fake clock that
// follows them, flushing as a ticker would, and closes it. It returns the
// stream's bytes.
func record(t testing.TB, h Header, outcomes []Outcome, opts ...Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	clock := &fakeClock{t: h.Started}
	r, err := NewRecorder(h, &buf, append([]Option{WithClock(clock.Now), WithoutTicker()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	next := h.Started.Add(h.Interval.Std() + 250*time.Millisecond)
	for i := range outcomes {
		at := doneAt(&outcomes[i])
		for !at.Before(next) {
			clock.Set(next)
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			next = next.Add(h.Interval.Std())
		}
		clock.Set(at)
		r.Record(&outcomes[i])
	}
	if err := r.Close(Trailer{Reason: "completed"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustRead(t testing.TB, b []byte) *Run {
	t.Helper()
	run, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return run
}

// buckets lists a histogram's populated buckets.
func buckets(iv *Interval) [][2]int64 {
	h := NewPackedLatencyHistogram()
	switch {
	case iv.Packed != nil:
		h.Merge(iv.Packed)
	case iv.Latency != nil:
		h.MergeFrom(iv.Latency)
	}
	var out [][2]int64
	for v, c := range h.ForEachBucket {
		out = append(out, [2]int64{v, c})
	}
	return out
}

// diffRuns reports the first difference between two runs, or "".
func diffRuns(a, b *Run) string {
	switch {
	case len(a.Intervals) != len(b.Intervals):
		return "interval count differs"
	case !slices.Equal(a.Failures, b.Failures):
		return "failures differ"
	case !slices.EqualFunc(a.Events, b.Events, sameEvent):
		return "events differ"
	case !slices.Equal(a.Writes, b.Writes):
		return "writes differ"
	case !slices.Equal(a.Readbacks, b.Readbacks):
		return "readbacks differ"
	case (a.Trailer == nil) != (b.Trailer == nil):
		return "trailer presence differs"
	}
	for i := range a.Intervals {
		x, y := &a.Intervals[i], &b.Intervals[i]
		if !x.Start.Equal(y.Start) || x.ClientRegion != y.ClientRegion || x.Step != y.Step || x.Counts != y.Counts ||
			x.TooSlow != y.TooSlow || !mapsEqual(x.ServedBy, y.ServedBy) || !slices.Equal(buckets(x), buckets(y)) {
			return "interval " + x.Start.Format(time.RFC3339) + " " + x.ClientRegion + "/" + x.Step + " differs"
		}
	}
	return ""
}

func mapsEqual(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// expected is what a stream of outcomes must hold, computed directly from
// the outcomes and the definitions of DESIGN.md §2.
type expected struct {
	intervals map[ivTestKey]*Interval
	failures  []Failure
}

type ivTestKey struct {
	start        int64
	region, step string
}

func expect(h Header, outcomes []Outcome) expected {
	ex := expected{intervals: map[ivTestKey]*Interval{}}
	for i := range outcomes {
		o := &outcomes[i]
		k := int64(math.Floor(float64(o.Intended.Sub(h.Started)) / float64(h.Interval.Std())))
		start := h.Started.Add(time.Duration(k) * h.Interval.Std())
		key := ivTestKey{start.UnixNano(), o.ClientRegion, o.Step}
		iv := ex.intervals[key]
		if iv == nil {
			iv = &Interval{Start: start, ClientRegion: o.ClientRegion, Step: o.Step,
				Latency: hdrhistogram.New(1, 3_600_000_000, 3), ServedBy: map[string]uint64{}}
			ex.intervals[key] = iv
		}
		iv.Counts[o.Err]++
		if o.ServedBy != "" {
			iv.ServedBy[o.ServedBy]++
		}
		failed := o.Err != ErrNone // 4xx included: a client error is a failure
		slow := !failed && o.End.Sub(o.Intended) > h.Targets.Timeout.Std()
		if slow {
			iv.TooSlow++
		}
		if !failed && !slow {
			_ = iv.Latency.RecordValue(o.End.Sub(o.Intended).Microseconds())
		}
		if failed || slow {
			at := o.End
			if at.IsZero() {
				at = o.Intended
			}
			ex.failures = append(ex.failures, Failure{Time: at, Intended: o.Intended, ClientRegion: o.ClientRegion,
				Step: o.Step, Err: o.Err, Status: o.Status})
		}
	}
	slices.SortFunc(ex.failures, compareFailures)
	return ex
}
