package main

import (
	"io"
	"net/http"
	"time"

	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/results"
)

// liveSink counts as countingSink does and feeds the live metrics too, as a
// run with --metrics-addr does (internal/runner's sink).
type liveSink struct {
	*countingSink
	m *live.Metrics
}

func (s liveSink) Outcome(o *results.Outcome) {
	s.countingSink.Outcome(o)
	s.m.Outcome(o)
}

// startLive serves the live metrics on loopback and scrapes them every
// `every`, as a Prometheus server would, until stop.
func startLive(cs *countingSink, timeout, every time.Duration) (liveSink, func(), error) {
	m := live.NewMetrics(timeout)
	srv, err := live.Start(live.Config{Addr: "127.0.0.1:0"}, m)
	if err != nil {
		return liveSink{}, nil, err
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if resp, err := http.Get(srv.URL() + "/metrics"); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}
	}()
	return liveSink{cs, m}, func() { close(done); _ = srv.Close() }, nil
}
