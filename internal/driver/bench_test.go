package driver

import (
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/internal/results"
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
	cfg := Config{Targets: map[string]string{"us": "http://" + ln.Addr().String()}, Rate: 1, Duration: time.Second}
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
				w.step(rg, step, i, time.Now())
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
