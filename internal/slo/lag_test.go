package slo

import (
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

func TestLagSummaries(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var lags []results.Lag
	for i := range 100 { // 10 ms … 1 s
		lags = append(lags, results.Lag{Written: t0.Add(time.Duration(i) * 100 * time.Millisecond), From: "eastus", To: "westeurope",
			Lag: results.Duration(time.Duration(i+1) * 10 * time.Millisecond)})
	}
	lags = append(lags, results.Lag{Written: t0.Add(3 * time.Second), From: "eastus", To: "westeurope", Lost: true},
		results.Lag{Written: t0, From: "westeurope", To: "eastus", Lag: results.Duration(300 * time.Millisecond)})
	s := LagSummaries(lags)
	if len(s) != 2 || s[0].From != "eastus" || s[1].From != "westeurope" {
		t.Fatalf("pairs %+v", s)
	}
	if s[0].Samples != 100 || s[0].Lost != 1 || *s[0].P50S != 0.5 || *s[0].P99S != 0.99 || *s[0].MaxS != 1 {
		t.Errorf("eastus→westeurope %+v p50 %v p99 %v max %v: want 100 seen, 1 lost, 0.5, 0.99, 1", s[0], *s[0].P50S, *s[0].P99S, *s[0].MaxS)
	}
	if s[1].Samples != 1 || *s[1].P99S != 0.3 {
		t.Errorf("westeurope→eastus %+v", s[1])
	}
	tl := LagTimeline(lags, t0, time.Second)
	// eastus→westeurope: 10 markers a second, the largest of second k is (10k+10)·10 ms; second 3 also lost one.
	if len(tl) != 11 || tl[0].T != 0 || *tl[0].MaxS != 0.1 || tl[3].Lost != 1 || *tl[9].MaxS != 1 || tl[10].From != "westeurope" {
		t.Errorf("timeline %+v", tl)
	}
}
