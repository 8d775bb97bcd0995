package slo

import (
	"testing"
)

func TestReasons(t *testing.T) {
	tests := []struct {
		o    Objective
		want string
	}{
		{Objective{Name: "p99", Unit: "s", Target: 0.150, Value: f64(0.181), CILow: f64(0.175), CIHigh: f64(0.190), N: 5000, Verdict: Fail},
			"p99 181 ms ≥ 150 ms target (95 % interval 175–190 ms)"},
		{Objective{Name: "p99", Unit: "s", Target: 0.150, Value: f64(0.148), CILow: f64(0.140), CIHigh: f64(0.155), N: 5000, Verdict: Inconclusive},
			"p99 148 ms, but its 95 % interval 140–155 ms straddles the 150 ms target"},
		{Objective{Name: "p99", Unit: "s", Target: 0.150, Value: f64(0.05), CILow: f64(0.04), N: 120, Verdict: Inconclusive},
			"120 successful requests: too few to bound p99 from above (299 needed)"},
		{Objective{Name: "p99", Unit: "s", Target: 0.150, Verdict: Inconclusive}, "no successful requests"},
		{Objective{Name: "availability", Unit: "ratio", Target: 0.9999, Value: f64(1), CILow: f64(0.99984), CIHigh: f64(1), N: 24_000,
			RequestsToDecide: 14_411, Verdict: Inconclusive}, "24,000 failure-free requests; 38,411 decide 99.99 %"},
		{Objective{Name: "availability", Unit: "ratio", Target: 0.9999, Value: f64(0.99912), CILow: f64(0.9990), CIHigh: f64(0.99930), N: 50_000, Verdict: Fail},
			"availability 99.912 % < 99.99 % target (95 % interval 99.9–99.93 %)"},
		{Objective{Name: "availability", Unit: "ratio", Target: 0.9999, Value: f64(0.99992), CILow: f64(0.9997), CIHigh: f64(0.99998), N: 30_000,
			RequestsToDecide: 70_000, Verdict: Inconclusive},
			"availability 99.992 % over 30,000 requests: its 95 % interval 99.97–99.998 % straddles the 99.99 % target; about 70,000 more at this ratio would decide"},
		{Objective{Name: "availability", Unit: "ratio", Target: 0.9999, Detail: "no interval lies wholly in steady state", Verdict: Inconclusive},
			"no interval lies wholly in steady state"},
		{Objective{Name: LatencyWithinName, Unit: "ratio", Target: 0.99, Value: f64(0.975), CILow: f64(0.971), CIHigh: f64(0.979), N: 6000, Verdict: Fail},
			"97.5 % of all requests answered successfully within the latency target, < 99 % (95 % interval 97.1–97.9 %)"},
		{Objective{Name: "rto", Unit: "s", Target: 10, Verdict: Fail, Detail: "not recovered"},
			"not recovered: no all-success stretch began before the heal"},
		{Objective{Name: "rto", Unit: "s", Target: 10, Value: f64(12.3), Verdict: Fail}, "RTO 12.3 s ≥ 10 s target"},
		{Objective{Name: "rto", Scope: "overall", Unit: "s", Target: 10, Value: f64(7.99), Verdict: Inconclusive,
			Detail: "worst fault:eastus-down: the all-success stretch began too close to the heal: the heal may have ended the failures"},
			"RTO 7.99 s, but the all-success stretch began too close to the heal: the heal may have ended the failures"},
		{Objective{Name: "budget", Unit: "share", Target: 0.2, Value: f64(0.23), Verdict: Fail},
			"the fault spent 23 % of the 30-day error budget, at or over the 20 % allowed"},
		{Objective{Name: "rpo", Unit: "s", Target: 10, Value: f64(12), Verdict: Fail}, "rpo 12 s ≥ 10 s target"},
	}
	for _, tt := range tests {
		if got := reasonFor(&tt.o); got != tt.want {
			t.Errorf("%s %s:\n got %q\nwant %q", tt.o.Name, tt.o.Verdict, got, tt.want)
		}
	}
}

// TestEveryVerdictSaysWhy: in every report the other tests build, each FAIL
// and INCONCLUSIVE objective has a reason and each PASS none.
func TestEveryVerdictSaysWhy(t *testing.T) {
	for name, r := range map[string]Report{
		"failover": Evaluate(failover(60, 45, latencyOf), Options{}),
		"slow":     Evaluate(answeredIn(200e6, 0, 0, 0), Options{}),
		"empty":    Evaluate(failover(0, 0, latencyOf), Options{}),
	} {
		for _, o := range r.Objectives {
			needs := o.Verdict == Fail || o.Verdict == Inconclusive
			if needs != (o.Reason != "") {
				t.Errorf("%s: %s %s %s has reason %q", name, o.Name, o.Scope, o.Verdict, o.Reason)
			}
		}
	}
}
