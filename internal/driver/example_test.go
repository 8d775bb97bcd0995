package driver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/results"
)

// countSink counts outcomes by step and keeps the acknowledged orders.
type countSink struct {
	mu     sync.Mutex
	steps  map[string]int
	orders []results.AckedWrite
}

func (s *countSink) Outcome(o *results.Outcome) {
	s.mu.Lock()
	s.steps[o.Step]++
	s.mu.Unlock()
}

func (s *countSink) Write(w results.AckedWrite) {
	s.mu.Lock()
	s.orders = append(s.orders, w)
	s.mu.Unlock()
}

func ExampleRun() {
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", "eastus")
		if r.URL.Path == "/checkout" {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":"o-1","region":"eastus","acked":"2026-11-24T10:00:00.5Z"}`)
		}
	}))
	defer shop.Close()

	sink := &countSink{steps: map[string]int{}}
	st, err := driver.Run(context.Background(), driver.Config{
		Targets:  map[string]string{"us": shop.URL},
		Rate:     40, // requests per second: 10 four-step journeys a second
		Duration: time.Second,
		Journeys: driver.DefaultJourneys(),
	}, sink)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("arrivals", st.Arrivals, "sent", st.Sent, "dropped", st.Dropped, "acked", st.Acked)
	fmt.Println(sink.steps)
	fmt.Println(sink.orders[0].ID, sink.orders[0].Region, sink.orders[0].ClientRegion)
	// Output:
	// arrivals 10 sent 40 dropped 0 acked 10
	// map[browse:10 cart:10 checkout:10 product:10]
	// o-1 eastus us
}
