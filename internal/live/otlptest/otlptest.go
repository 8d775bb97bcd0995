// Package otlptest is a loopback OTLP/HTTP metrics receiver for tests: it
// decodes each push as a collector does (protobuf
// ExportMetricsServiceRequest on /v1/metrics) and keeps what it got.
package otlptest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	colmetric "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// Receiver is the receiver; URL is its base URL.
type Receiver struct {
	URL string

	mu     sync.Mutex
	pushes int
	names  map[string]bool
	sums   map[string]float64 // each sum metric's data points added up, latest push
}

// New starts a receiver, closed when the test ends.
func New(t testing.TB) *Receiver {
	r := &Receiver{names: map[string]bool{}, sums: map[string]float64{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var exp colmetric.ExportMetricsServiceRequest
	if req.URL.Path != "/v1/metrics" || proto.Unmarshal(b, &exp) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.pushes++
	for _, rm := range exp.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				r.names[m.Name] = true
				if s := m.GetSum(); s != nil {
					var sum float64
					for _, dp := range s.DataPoints {
						sum += dp.GetAsDouble()
					}
					r.sums[m.Name] = sum
				}
			}
		}
	}
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&colmetric.ExportMetricsServiceResponse{})
	_, _ = w.Write(out)
}

// Sum is the sum metric name's data points added up, in the latest push
// that held it.
func (r *Receiver) Sum(name string) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sums[name]
}

// Got reports whether any push held the metric name.
func (r *Receiver) Got(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.names[name]
}

// Pushes is how many pushes arrived.
func (r *Receiver) Pushes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pushes
}
