package slo

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
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

// TestClientErrorsFail is the 404-everything target of issue 11 (a path typo
// in --target): every request is a client error, so availability fails, the
// run exits 99, and the reason names the client errors.
func TestClientErrorsFail(t *testing.T) {
	run := spaced(60, map[string]float64{"eu": 0.01}, func(_ string, sent time.Time) (results.ErrorKind, time.Time) {
		return results.Err4xx, sent.Add(5 * time.Millisecond)
	})
	r := Evaluate(run, Options{})
	av := objective(t, r, "availability", "steady-state")
	if av.Verdict != Fail || r.Verdict != Fail || r.ExitCode != 99 || r.Successes != 0 {
		t.Errorf("404 everywhere: availability %s, run %s exit %d, %d successes", av.Verdict, r.Verdict, r.ExitCode, r.Successes)
	}
	if want := "6,000 of the run's 6,000 failures were client errors (4xx)"; !strings.Contains(av.Reason, want) {
		t.Errorf("reason %q lacks %q", av.Reason, want)
	}
	if r.FailuresByKind["4xx"] != 6000 || r.Regions["eu"].FailuresByKind["4xx"] != 6000 || len(r.FailuresByKind) != 1 {
		t.Errorf("failures by kind: %v, eu %v", r.FailuresByKind, r.Regions["eu"].FailuresByKind)
	}
}
