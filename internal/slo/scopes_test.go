package slo

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/results"
)

// TestNoRowsForNoTraffic is the k6 script of issue 11: its traffic is
// labelled region:shoppers, step:request, while the header still names the
// reference shop's client regions and steps. Only the scopes that carried
// requests are listed.
func TestNoRowsForNoTraffic(t *testing.T) {
	run := spaced(60, map[string]float64{"shoppers": 0.01}, func(_ string, sent time.Time) (results.ErrorKind, time.Time) {
		return results.ErrNone, sent.Add(30 * time.Millisecond)
	})
	run.Header.ClientRegions = []string{"eu", "us", "shoppers"}
	run.Header.Steps = []string{"catalog", "product", "cart", "checkout", "request"}
	// An interval record with no requests does not make a scope either.
	run.Intervals = append(run.Intervals, results.Interval{Start: at(3), ClientRegion: "eu", Step: "cart", Packed: results.NewPackedLatencyHistogram()})
	r := Evaluate(run, Options{})
	var scopes []string
	for _, o := range r.Objectives {
		if !slices.Contains(scopes, o.Scope) {
			scopes = append(scopes, o.Scope)
		}
	}
	sort.Strings(scopes)
	want := []string{"overall", "region:shoppers", "steady-state", "step:request", "whole-run"}
	if !slices.Equal(scopes, want) {
		t.Errorf("scopes %q, want %q", scopes, want)
	}
	if len(r.Regions) != 1 || len(r.Steps) != 1 || r.Regions["shoppers"].Requests != 6000 || r.Steps["request"].Requests != 6000 {
		t.Errorf("summaries: regions %v, steps %v", r.Regions, r.Steps)
	}
}
