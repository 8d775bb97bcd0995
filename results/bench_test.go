package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// benchOutcomes is a ring of outcomes within one interval from start, across
// the test regions and steps, 0.5 % failing. Like an engine's, their times
// carry monotonic clock readings (start comes from time.Now).
func benchOutcomes(start time.Time) []Outcome {
	rng := rand.New(rand.NewPCG(1, 1))
	out := make([]Outcome, 4096)
	for i := range out {
		o := &out[i]
		o.ClientRegion, o.Step = testRegions[i%2], testSteps[(i/2)%4]
		o.Intended = start.Add(time.Duration(rng.Int64N(int64(time.Second))))
		o.End = o.Intended.Add(time.Duration(math.Exp(rng.NormFloat64()*0.6) * float64(40*time.Millisecond)))
		o.Status, o.ServedBy = 200, testRegions[rng.IntN(2)]
		if i%200 == 0 {
			o.Err, o.Status, o.ServedBy = Err5xx, 503, ""
		}
	}
	return out
}

func benchRecorder(b *testing.B, start time.Time) *Recorder {
	h := testHeader()
	h.Started = start
	r, err := NewRecorder(h, io.Discard, WithoutTicker(), WithClock(func() time.Time { return start }))
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkRecord is one worker recording outcomes (DESIGN: >= 5 M/s per
// core, no allocation). Failures are flushed every 1 M records, as the ticker
// would, so their buffer stays bounded.
func BenchmarkRecord(b *testing.B) {
	start := time.Now()
	outs := benchOutcomes(start)
	r := benchRecorder(b, start)
	b.ReportAllocs()
	cpu := startCPU()
	b.ResetTimer()
	for i := range b.N {
		r.Record(&outs[i&4095])
		if i&(1<<20-1) == 0 {
			_ = r.Flush()
		}
	}
	b.StopTimer()
	cpu.report(b)
}

// BenchmarkRecordParallel is every core recording into one recorder.
func BenchmarkRecordParallel(b *testing.B) {
	start := time.Now()
	outs := benchOutcomes(start)
	r := benchRecorder(b, start)
	b.ReportAllocs()
	cpu := startCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(4096)
		for n := 1; pb.Next(); n++ {
			r.Record(&outs[i&4095])
			i++
			if n&(1<<20-1) == 0 {
				_ = r.Flush()
			}
		}
	})
	b.StopTimer()
	cpu.report(b)
}

// cpuClock measures the process's CPU time, which on a shared machine says
// more about cost per core than wall time does.
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{processCPU()} }

// report adds CPU ns per op and ops per CPU-second in millions (per core).
func (c cpuClock) report(b *testing.B) {
	used := processCPU() - c.start
	b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/used.Seconds()/1e6, "M-ops/cpu-s")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// hourSpec is the reference load: one hour at 1,000 req/s (3.6 M requests)
// from 2 client regions over 4 steps, 1 s intervals, 0.5 % failures,
// log-normal latencies (median 40 ms, p99 about 160 ms).
type hourSpec struct {
	seconds int
	rate    int
	writes  bool // record every successful checkout as an acknowledged write
}

// hourStream records the reference load through a Recorder on a simulated
// clock that flushes as the ticker would, and returns the stream.
func hourStream(tb testing.TB, s hourSpec) []byte {
	var buf bytes.Buffer
	clock := &fakeClock{t: t0}
	r, err := NewRecorder(testHeader(), &buf, WithClock(clock.Now), WithoutTicker())
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 42))
	var pending []Outcome
	const tick = 250 * time.Millisecond
	for now := t0; now.Before(t0.Add(time.Duration(s.seconds)*time.Second + 5*time.Second)); now = now.Add(tick) {
		if sec := now.Sub(t0); sec%time.Second == 0 && sec < time.Duration(s.seconds)*time.Second {
			pending = append(pending, hourSecond(rng, now, s.rate)...)
			slices.SortFunc(pending, func(a, b Outcome) int { return doneAt(&a).Compare(doneAt(&b)) })
		}
		n := 0
		for n < len(pending) && doneAt(&pending[n]).Before(now) {
			o := &pending[n]
			clock.Set(doneAt(o))
			r.Record(o)
			if s.writes && o.Step == "checkout" && o.Err == ErrNone {
				r.RecordWrite(AckedWrite{ID: fmt.Sprintf("ord-%016x", rng.Uint64()), Region: o.ServedBy, ClientRegion: o.ClientRegion, Acked: o.End})
			}
			n++
		}
		pending = pending[n:]
		clock.Set(now)
		if now.Sub(t0)%time.Second == tick {
			if err := r.Flush(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := r.Close(Trailer{Reason: "completed"}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// hourSecond is one second of the reference load, intended uniformly.
func hourSecond(rng *rand.Rand, start time.Time, rate int) []Outcome {
	out := make([]Outcome, rate)
	for i := range out {
		o := &out[i]
		o.ClientRegion, o.Step = testRegions[rng.IntN(2)], testSteps[rng.IntN(4)]
		o.Intended = start.Add(time.Duration(rng.Int64N(int64(time.Second))))
		o.Sent = o.Intended
		o.End = o.Intended.Add(time.Duration(math.Exp(rng.NormFloat64()*0.6) * float64(40*time.Millisecond)))
		o.Status, o.ServedBy = 200, testRegions[rng.IntN(2)]
		if rng.IntN(200) == 0 {
			o.Err, o.Status, o.ServedBy = []ErrorKind{Err5xx, ErrRefused, ErrTimeout}[rng.IntN(3)], 0, ""
		}
	}
	return out
}

var (
	hourOnce  sync.Once
	hourBytes []byte
)

func hour(tb testing.TB) []byte {
	hourOnce.Do(func() { hourBytes = hourStream(tb, hourSpec{seconds: 3600, rate: 1000}) })
	return hourBytes
}

// BenchmarkReadHour reads the stream of the reference load (3.6 M requests)
// and reports its size.
func BenchmarkReadHour(b *testing.B) {
	stream := hour(b)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	cpu := startCPU()
	b.ResetTimer()
	for range b.N {
		run, err := Read(bytes.NewReader(stream))
		if err != nil || requests(run) != 3_600_000 {
			b.Fatalf("read: %v", err)
		}
	}
	b.StopTimer()
	cpu.report(b)
	b.ReportMetric(float64(len(stream)), "stream-bytes")
}

// BenchmarkHourLatencyHistogram adds the reference load's 28,800 interval
// histograms into one (what an overall p99 needs, after Read).
func BenchmarkHourLatencyHistogram(b *testing.B) {
	run := mustRead(b, hour(b))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if h := run.LatencyHistogram(nil); h.TotalCount() == 0 {
			b.Fatal("empty")
		}
	}
}

// BenchmarkHourWithWrites is the reference load with every successful
// checkout (about 900,000 in the hour) recorded as an acknowledged write:
// it reports the stream size and the time to record and write it.
func BenchmarkHourWithWrites(b *testing.B) {
	var size int
	for range b.N {
		size = len(hourStream(b, hourSpec{seconds: 3600, rate: 1000, writes: true}))
	}
	b.ReportMetric(float64(size), "stream-bytes")
}

// BenchmarkHistogramEncoding compares, on the reference load's intervals
// (about 125 latencies each), this stream's histogram encoding (bucket value
// deltas and counts as varints) with HdrHistogram's standard V2 compressed
// encoding (zlib, base64): bytes per histogram and time to decode one.
func BenchmarkHistogramEncoding(b *testing.B) {
	run := mustRead(b, hour(b))
	ivs := run.Intervals[:2000]
	b.Run("varint", func(b *testing.B) {
		var size int
		enc := make([][]byte, len(ivs))
		for i := range ivs {
			e := &encoder{}
			e.histogram(&ivs[i])
			enc[i] = e.payload
			size += len(e.payload)
		}
		b.ResetTimer()
		d := &decoder{}
		for i := range b.N {
			var iv Interval
			c := &cursor{b: enc[i%len(enc)]}
			if d.histogram(c, &iv); c.err != nil {
				b.Fatal(c.err)
			}
		}
		b.ReportMetric(float64(size)/float64(len(ivs)), "bytes/hist")
	})
	b.Run("v2-zlib-base64", func(b *testing.B) {
		var size int
		enc := make([][]byte, len(ivs))
		for i := range ivs {
			enc[i], _ = ivs[i].Packed.Encode()
			size += len(enc[i])
		}
		b.ResetTimer()
		for i := range b.N {
			if _, err := hdrhistogram.DecodePacked(enc[i%len(enc)]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size)/float64(len(ivs)), "bytes/hist")
	})
}

// jsonInterval is an interval as a JSON line would carry it, with the
// histogram in HdrHistogram's standard V2 compressed (base64) encoding: the
// alternative this package's binary encoding was measured against.
type jsonInterval struct {
	Start    time.Time         `json:"start"`
	Region   string            `json:"client_region"`
	Step     string            `json:"step"`
	Counts   []uint64          `json:"counts"`
	TooSlow  uint64            `json:"too_slow"`
	ServedBy map[string]uint64 `json:"served_by,omitempty"`
	Hist     string            `json:"hist"` // V2 base64 text
}

// BenchmarkJSONLinesAlternative encodes the reference load's intervals as
// JSON lines and reports their size and the time to decode them all.
func BenchmarkJSONLinesAlternative(b *testing.B) {
	run := mustRead(b, hour(b))
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	for i := range run.Intervals {
		iv := &run.Intervals[i]
		h, _ := iv.Packed.Encode()
		if err := enc.Encode(jsonInterval{iv.Start, iv.ClientRegion, iv.Step, iv.Counts[:], iv.TooSlow, iv.ServedBy, string(h)}); err != nil {
			b.Fatal(err)
		}
	}
	cpu := startCPU()
	b.ResetTimer()
	for range b.N {
		dec := json.NewDecoder(bytes.NewReader(lines.Bytes()))
		for {
			var ji jsonInterval
			if err := dec.Decode(&ji); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			if _, err := hdrhistogram.DecodePacked([]byte(ji.Hist)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	cpu.report(b)
	b.ReportMetric(float64(lines.Len()), "interval-bytes")
}
