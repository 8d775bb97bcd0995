package runner

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// benchScript sends one tagged GET per iteration at a constant arrival rate:
// the request shape of failover.js without the shop's service times, so
// that k6 itself is what costs.
const benchScript = `
import http from 'k6/http';
import slocheck from 'k6/x/slocheck';
export const options = {
  scenarios: { us: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE), timeUnit: '1s',
    duration: __ENV.DUR, preAllocatedVUs: 50, maxVUs: 400, tags: { client_region: 'us' } } },
  summaryTrendStats: ['p(99)', 'count'],
};
export default function () { http.get(__ENV.URL, slocheck.params('browse')); }
`

// k6Cost is one k6 run's cost.
type k6Cost struct {
	cpu      time.Duration // user + system time of the k6 process
	requests float64
	dropped  float64
}

// runK6Bench runs the bench script once, with the slocheck output when out.
func runK6Bench(b *testing.B, bin, dir, url string, rate int, dur time.Duration, out bool) k6Cost {
	b.Helper()
	script := filepath.Join(dir, "bench.js")
	if err := os.WriteFile(script, []byte(benchScript), 0o644); err != nil {
		b.Fatal(err)
	}
	summary := filepath.Join(dir, fmt.Sprintf("summary-%v.json", out))
	args := []string{"run", "--no-usage-report", "--quiet", "--summary-export", summary,
		"-e", "URL=" + url, "-e", fmt.Sprintf("RATE=%d", rate), "-e", "DUR=" + dur.String()}
	if out {
		args = append(args, "--out", "slocheck="+filepath.Join(dir, "bench.stream"))
	}
	cmd := exec.Command(bin, append(args, script)...)
	cmd.Env = append(os.Environ(), "K6_AUTO_EXTENSION_RESOLUTION=false")
	if outb, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("k6: %v: %s", err, outb)
	}
	var s struct {
		Metrics map[string]map[string]any `json:"metrics"`
	}
	raw, err := os.ReadFile(summary)
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		b.Fatal(err)
	}
	c := k6Cost{cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	c.requests, _ = s.Metrics["http_reqs"]["count"].(float64)
	c.dropped, _ = s.Metrics["dropped_iterations"]["count"].(float64)
	return c
}

// BenchmarkK6Output measures what the slocheck output costs k6: the same
// fixed high rate of requests against a trivial loopback server, without and
// with `--out slocheck`, alternating, each op one pair of runs. It reports
// k6's CPU time per request for both (CPU, not wall time: at a fixed rate the
// wall time is the rate's; what the output costs is CPU the generator then
// lacks) and the output's overhead in percent, plus any dropped iterations.
//
//	go test -run '^$' -bench K6Output -benchtime 3x ./internal/runner
func BenchmarkK6Output(b *testing.B) {
	bin := k6Binary(b)
	const rate = 1000
	dur := 8 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/"
	dir := b.TempDir()
	var plain, with k6Cost
	b.ResetTimer()
	for range b.N {
		p := runK6Bench(b, bin, dir, url, rate, dur, false)
		w := runK6Bench(b, bin, dir, url, rate, dur, true)
		plain.cpu, plain.requests, plain.dropped = plain.cpu+p.cpu, plain.requests+p.requests, plain.dropped+p.dropped
		with.cpu, with.requests, with.dropped = with.cpu+w.cpu, with.requests+w.requests, with.dropped+w.dropped
	}
	perReq := func(c k6Cost) float64 { return float64(c.cpu.Microseconds()) / c.requests }
	b.ReportMetric(perReq(plain), "cpu-µs/req-plain")
	b.ReportMetric(perReq(with), "cpu-µs/req-slocheck")
	b.ReportMetric(100*(perReq(with)/perReq(plain)-1), "overhead-%")
	b.ReportMetric(plain.requests/float64(b.N)/dur.Seconds(), "req/s-plain")
	b.ReportMetric(with.requests/float64(b.N)/dur.Seconds(), "req/s-slocheck")
	b.ReportMetric(with.dropped/float64(b.N), "dropped-slocheck")
	b.ReportMetric(plain.dropped/float64(b.N), "dropped-plain")
}
