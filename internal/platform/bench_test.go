package platform

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user + system) the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEdge measures the requests per second one edge sustains, proxying
// to its origin with zero service time, while the client runs beside it on
// the same machine (so the figure is shared CPU: a lower bound of the edge
// alone). "nowan" has no WAN delay, so it measures the proxy's own cost;
// "wan" has the default near delay (3 ms each way), where the rate is set by
// the client's concurrency over the round trip.
//
//	go test -run '^$' -bench BenchmarkEdge -benchtime 5s ./internal/platform/
func BenchmarkEdge(b *testing.B) {
	for _, bc := range []struct {
		name string
		near time.Duration
		par  int // client goroutines per GOMAXPROCS
	}{{"nowan", 0, 8}, {"wan", DefaultNearDelay, 64}} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := testConfig(DefaultProbe())
			cfg.NearDelay, cfg.FarDelay = bc.near, bc.near
			p := start(b, cfg)
			url := p.Describe().Edges["us"] + "/products/p-001"
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
			b.SetParallelism(bc.par)
			b.ResetTimer()
			began, cpu0 := time.Now(), cpuTime(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := c.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || resp.Header.Get(ServedByHeader) != "eastus" {
						b.Errorf("status %d served by %q", resp.StatusCode, resp.Header.Get(ServedByHeader))
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "req/s")
			// CPU per request (edge, origin and client together) does not
			// depend on what else the machine runs: 1e6 / it is the rate one
			// core sustains.
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/req")
		})
	}
}
