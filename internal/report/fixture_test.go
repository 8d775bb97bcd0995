package report

import (
	"time"

	"github.com/slocheck/slocheck/internal/slo"
)

// fixture's shape, which the tests check against independently of the writers.
const (
	fixtureIntervalS    = 5.0
	fixtureObjectives   = 10
	fixtureFailed       = 2 // p99 step:checkout, rto fault:westeurope-slow
	fixtureInconclusive = 1 // availability steady-state
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func f64(v float64) *float64 { return &v }

func at(s float64) *time.Time {
	t := t0.Add(secs(s))
	return &t
}

// fixture is a fixed synthetic run: a 60 s failover with two faults, the
// first healed after 25 s, the second's heal failed and never recovered; one
// objective failed, one inconclusive, one informational.
func fixture() *slo.Report {
	return &slo.Report{
		Schema: slo.Schema, Scenario: "default-failover", Engine: "go", Target: "embedded",
		Started: t0, DurationS: 60, Requests: 30000, Successes: 29310, Failures: 690, Dropped: 2,
		Objectives: fixtureObjectiveList(),
		Regions: map[string]slo.RegionSummary{
			"westeurope": {Requests: 15000, Failures: 0, P50S: f64(0.0412), P99S: f64(0.0955),
				ServedBy: map[string]uint64{"westeurope": 15000}},
			"eastus": {Requests: 15000, Failures: 690, P50S: f64(0.0215), P99S: f64(0.071),
				ServedBy: map[string]uint64{"eastus": 8000, "westeurope": 6310}},
		},
		Steps: map[string]slo.RegionSummary{
			"browse":   {Requests: 27100, Failures: 620, P50S: f64(0.025), P99S: f64(0.088)},
			"checkout": {Requests: 2900, Failures: 70, P50S: f64(0.0601), P99S: f64(0.181)},
		},
		Faults:   fixtureFaults(),
		Timeline: fixtureTimeline(),
		Complete: true,
		Notes:    []string{"heal of westeurope-slow failed: exit status 1 (see chaos/westeurope-slow.heal.log)"},
		Verdict:  slo.Fail,
		ExitCode: 99,
	}
}

func fixtureObjectiveList() []slo.Objective {
	return []slo.Objective{
		{Name: "p99", Scope: "overall", Target: 0.150, Unit: "s", Value: f64(0.0932), CILow: f64(0.0911),
			CIHigh: f64(0.0960), N: 29310, Verdict: slo.Pass},
		{Name: "p99", Scope: "region:eastus", Target: 0.150, Unit: "s", Value: f64(0.071), CILow: f64(0.069),
			CIHigh: f64(0.074), N: 14310, Verdict: slo.Pass},
		{Name: "p99", Scope: "region:westeurope", Target: 0.150, Unit: "s", Value: f64(0.0955), CILow: f64(0.093),
			CIHigh: f64(0.098), N: 15000, Verdict: slo.Pass},
		{Name: "p99", Scope: "step:checkout", Target: 0.150, Unit: "s", Value: f64(0.181), CILow: f64(0.172),
			CIHigh: f64(0.19), N: 2830, Verdict: slo.Fail,
			Reason: "the whole 95 % interval lies above the target"},
		{Name: "availability", Scope: "steady-state", Target: 0.9999, Unit: "ratio", Value: f64(1), CILow: f64(0.99987),
			CIHigh: f64(1), N: 24000, Verdict: slo.Inconclusive, RequestsToDecide: 5956,
			Reason: "24,000 failure-free requests; 29,956 decide 99.99 %"},
		{Name: "rto", Scope: "fault:eastus-down", Target: 10, Unit: "s", Value: f64(4.2), Verdict: slo.Pass},
		{Name: "rto", Scope: "fault:westeurope-slow", Target: 10, Unit: "s", Verdict: slo.Fail, Detail: "not recovered"},
		{Name: "rpo", Scope: "fault:eastus-down", Target: 10, Unit: "s", Value: f64(0.35), Verdict: slo.Pass},
		{Name: "budget", Scope: "fault:eastus-down", Target: 0.20, Unit: "share", Value: f64(0.0073), Verdict: slo.Pass},
		{Name: "availability", Scope: "whole-run", Target: 0.9999, Unit: "ratio", Value: f64(0.977), CILow: f64(0.975),
			CIHigh: f64(0.979), N: 30000, Verdict: slo.Info},
	}
}

func fixtureFaults() []slo.FaultSummary {
	return []slo.FaultSummary{
		{Name: "eastus-down", Injector: "platform", Target: "eastus", Mode: "down",
			Injected: t0.Add(20 * time.Second), Healed: at(45),
			RTOS:         slo.RTOSummary{Overall: f64(4.2), ByClientRegion: map[string]*float64{"eastus": f64(4.2), "westeurope": f64(0)}},
			FirstFailure: at(20.004), LastFailure: at(24.2), FailedRequests: 690,
			BudgetBurnS: 1.9, BudgetShare: 0.0073, AckedWrites: 512, LostWrites: 3, LateWrites: 1, RPOS: f64(0.35)},
		{Name: "westeurope-slow", Injector: "exec", Target: "westeurope", Mode: "slow",
			Injected: t0.Add(50 * time.Second), HealFailed: true,
			RTOS:           slo.RTOSummary{ByClientRegion: map[string]*float64{"eastus": f64(0), "westeurope": nil}},
			FailedRequests: 0, BudgetBurnS: 0, BudgetShare: 0, AckedWrites: 80},
	}
}

// fixtureTimeline is 12 intervals of 5 s for "" (all), eastus and westeurope:
// 2,500 requests per region per interval; eastus fails 400 then 290 requests
// from 20 s and has no p99 in the first faulted interval.
func fixtureTimeline() []slo.Point {
	var pts []slo.Point
	for i := range 12 {
		t := float64(i) * fixtureIntervalS
		var fails uint64
		switch t {
		case 20:
			fails = 400
		case 25:
			fails = 290
		}
		east := slo.Point{T: t, ClientRegion: "eastus", Requests: 2500, Failures: fails, P99S: f64(0.070 + float64(i)/1000)}
		if t == 20 {
			east.P99S = nil
		}
		west := slo.Point{T: t, ClientRegion: "westeurope", Requests: 2500, P99S: f64(0.090 + float64(i)/2000)}
		all := slo.Point{T: t, Requests: 5000, Failures: fails, P99S: f64(0.092)}
		pts = append(pts, all, east, west)
	}
	return pts
}
