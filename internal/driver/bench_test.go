package driver

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/results"
)

type discardSink struct{}

func (discardSink) Outcome(*results.Outcome) {}
func (discardSink) Write(results.AckedWrite) {}

// benchWorker returns a worker of a runner aimed at an in-process fasthttp
// server on loopback (which allocates next to nothing itself), so allocs/op
// is the driver's and its client's.
func benchWorker(b *testing.B) (*worker, *region) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("X-Served-By", "eastus")
		if string(ctx.Path()) == "/checkout" {
			ctx.SetStatusCode(fasthttp.StatusCreated)
			ctx.SetBodyString(`{"id":"o-1","region":"eastus","acked":"2026-11-24T10:00:00.123Z"}`)
			return
		}
		ctx.SetBodyString("ok")
	}}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Shutdown() })
	cfg := Config{Targets: map[string]string{"us": "http://" + ln.Addr().String()}, Rate: 1, Duration: time.Second,
		Journeys: []Journey{single(StepBrowse)[0], single(StepProduct)[0], single(StepCart)[0], single(StepCheckout)[0]}}
	r, err := newRunner(cfg.withDefaults(), discardSink{})
	if err != nil {
		b.Fatal(err)
	}
	r.start = time.Now()
	return &worker{r: r}, r.regions[0]
}

// BenchmarkRequest is the hot path of one request: build it, send it, read
// the answer, classify it and hand the outcome to the sink.
func BenchmarkRequest(b *testing.B) {
	for _, step := range []int{stepBrowse, stepProduct, stepCheckout} {
		b.Run(Steps[step], func(b *testing.B) {
			w, rg := benchWorker(b)
			b.ReportAllocs()
			var i uint64
			for b.Loop() {
				i++
				w.r.begin(&w.st, arrival{n: i, rnd: i, journey: int32(step)})
				w.st.intended = time.Now()
				w.step(rg)
			}
			if w.badAcks != 0 {
				b.Fatalf("%d bad acks", w.badAcks)
			}
		})
	}
}

// BenchmarkNewArrival is the dispatcher's per-arrival work before the handoff:
// the region, journey and product draws.
func BenchmarkNewArrival(b *testing.B) {
	cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:1", "eu": "http://127.0.0.1:2"},
		Weights: map[string]float64{"us": 2, "eu": 1}, Rate: 1, Duration: time.Second,
		Journeys: []Journey{{Weight: 3, Steps: []string{StepBrowse}}, {Weight: 1, Steps: Steps}}}
	r, err := newRunner(cfg.withDefaults(), discardSink{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var n uint64
	for b.Loop() {
		_ = r.newArrival(n, time.Millisecond)
		n++
	}
}

// BenchmarkRun is a whole run at 5,000 req/s (browse only) against an
// in-process fasthttp server on loopback, one op a request: ns/op is the
// schedule's spacing (200 µs) when the driver keeps up, and cpu-µs/req is the
// process's CPU (getrusage: the driver's and the server's, user and system)
// per request sent. Compare transports and versions on one machine only.
func BenchmarkRun(b *testing.B) {
	addr := benchServer(b)
	for _, workers := range []bool{false, true} {
		b.Run(map[bool]string{false: "evloop", true: "workers"}[workers], func(b *testing.B) {
			cfg := Config{Targets: map[string]string{"us": "http://" + addr}, Journeys: single(StepBrowse), noEventLoop: workers}
			runCPUPerRequest(b, cfg, "")
		})
	}
}

// benchServer is an in-process fasthttp server on loopback answering "ok";
// it returns its address.
func benchServer(b *testing.B) string {
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Shutdown() })
	return ln.Addr().String()
}

// runCPUPerRequest runs cfg at 5,000 req/s for b.N requests and reports
// the process's CPU per request sent (cpu-µs/req); transport, when set, is
// the transport the run must have used.
func runCPUPerRequest(b *testing.B, cfg Config, transport string) {
	const rate = 5000
	cfg.Rate, cfg.Duration = rate, time.Duration(b.N)*time.Second/rate
	cpu0 := cpuTime(b)
	b.ResetTimer()
	st, err := Run(context.Background(), cfg, discardSink{})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if transport != "" && st.Transport != transport {
		b.Fatalf("ran on %s", st.Transport)
	}
	if st.Sent > 0 {
		b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(st.Sent), "cpu-µs/req")
	}
}

// cpuTime is the process's user plus system CPU so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSteps are one POST step either fixed (serialised once) or templated:
// a path variable, a header and a 20-byte JSON body rendered per request.
func benchSteps(templated bool) []Step {
	if templated {
		return []Step{{Name: "post", Method: "POST", URL: "/items/{{journey}}",
			Headers: map[string]string{"X-Request-Id": "{{random_id}}"}, Body: `{"n":"{{journey}}"}`}}
	}
	return []Step{{Name: "post", Method: "POST", URL: "/items/1234",
		Headers: map[string]string{"X-Request-Id": "0123456789abcdef"}, Body: `{"n":"1234567890123"}`}}
}

// BenchmarkRunTemplated is BenchmarkRun's run at 5,000 req/s with one POST
// step, fixed or templated (benchSteps): the event loop's CPU per request
// for a templated step is to stay within 10 % of a fixed one's
// (bench/driver-vs-vegeta.sh, mode templated, runs it side by side).
func BenchmarkRunTemplated(b *testing.B) {
	addr := benchServer(b)
	for _, templated := range []bool{false, true} {
		b.Run(map[bool]string{false: "fixed", true: "templated"}[templated], func(b *testing.B) {
			cfg := Config{Targets: map[string]string{"us": "http://" + addr}, Steps: benchSteps(templated)}
			runCPUPerRequest(b, cfg, TransportEventLoops)
		})
	}
}

// BenchmarkAppendRequest renders a templated step's request (path
// variable, header, JSON body, a cookie) into reused buffers: 0 allocs/op.
func BenchmarkAppendRequest(b *testing.B) {
	cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:1"}, Rate: 1, Duration: time.Second,
		Steps: benchSteps(true)}
	r, err := newRunner(cfg.withDefaults(), discardSink{})
	if err != nil {
		b.Fatal(err)
	}
	rg, cs := r.regions[0], &r.steps[0]
	st := jstate{jar: []cookie{{name: []byte("session"), value: []byte("s-123")}}}
	var dst, scratch []byte
	b.ReportAllocs()
	for b.Loop() {
		st.a.n++
		var kind results.ErrorKind
		if dst, scratch, kind = appendRequest(dst[:0], scratch, &st, rg, cs); kind != results.ErrNone {
			b.Fatal(kind)
		}
	}
}
