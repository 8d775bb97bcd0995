//go:build unix

package live

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// BenchmarkOutcome is the per-request cost the live metrics add to the
// generator's hot path (workers call it in parallel): the RTO estimates'
// look at two words, in the steady state (nothing failing).
func BenchmarkOutcome(b *testing.B) {
	m := NewMetrics(2 * time.Second)
	outs := benchOutcomes()
	for i := range outs {
		outs[i].Err, outs[i].Status = results.ErrNone, 200
	}
	b.ReportAllocs()
	defer cpuPerOp(b)()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			m.Outcome(&outs[i%len(outs)])
			i++
		}
	})
}

// cpuPerOp reports the process's CPU time (user + system) per operation,
// "cpu-ns/op": on a busy machine wall time per operation says little, CPU
// time is what the generator pays.
func cpuPerOp(b *testing.B) func() {
	start := cpuNow()
	b.ResetTimer()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64(cpuNow()-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInterval is what the live metrics cost per interval record the
// recorder writes: one client region and step's second at 5,000 req/s (a
// few hundred latency buckets populated).
func BenchmarkInterval(b *testing.B) {
	m := NewMetrics(2 * time.Second)
	iv := &results.Interval{ClientRegion: "us", Step: "browse", Packed: results.NewPackedLatencyHistogram()}
	for i := range 5000 {
		iv.Counts[results.ErrNone]++
		_ = iv.Packed.RecordValue(int64(500 + i*i%150_000))
	}
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for range b.N {
		m.Interval(iv)
	}
}

// BenchmarkScrape is one GET /metrics of a run with two client regions, four
// steps, failures, a fault and its objectives: what a Prometheus scrape
// costs the generator's process.
func BenchmarkScrape(b *testing.B) {
	m := NewMetrics(2 * time.Second)
	feed(b, m, 2*time.Second, benchOutcomes())
	m.Event(results.Event{Time: time.Now(), Kind: results.EventFaultInjected, Fault: "eastus-down", Target: "eastus", Injector: "platform"})
	srv := httptest.NewServer(m.handler())
	defer srv.Close()
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for range b.N {
		resp, err := http.Get(srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkRefresh is one re-evaluation of the stream for the objectives'
// metrics and the live page (every --live-refresh), on a minute of a run at
// 5,000 req/s with one failure in fifty.
func BenchmarkRefresh(b *testing.B) {
	path := filepath.Join(b.TempDir(), results.FileName)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
	now := start
	rec, err := results.NewRecorder(results.Header{Scenario: "bench", Engine: "go", Target: "embedded", Started: start,
		ClientRegions: []string{"us", "eu"}, Steps: []string{"browse", "product", "cart", "checkout"}, Regions: []string{"eastus", "westeurope"}},
		f, results.WithClock(func() time.Time { return now }), results.WithoutTicker())
	if err != nil {
		b.Fatal(err)
	}
	outs := benchOutcomes()
	for i := range 60 * 5000 {
		o := outs[i%len(outs)]
		at := start.Add(time.Duration(i) * 200 * time.Microsecond)
		o.Intended, o.Sent, o.End = at, at, at.Add(o.End.Sub(o.Intended))
		rec.Record(&o)
		if i%5000 == 4999 {
			now = at.Add(time.Second)
			_ = rec.Flush()
		}
	}
	srv, err := Start(Config{}, NewMetrics(2*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	defer cpuPerOp(b)()
	for range b.N {
		srv.Refresh(path)
	}
}
