package compare

import (
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// rtoReport is a report of one fault whose RTO is rto (nil: not recovered),
// 60 s of 1,000 requests per client region.
func rtoReport(rto *float64) *slo.Report {
	return &slo.Report{Scenario: "s", Target: "embedded", DurationS: 60, Requests: 120_000,
		Regions:    map[string]slo.RegionSummary{"us": {Requests: 60_000}, "eu": {Requests: 60_000}},
		Objectives: []slo.Objective{{Name: "rto", Scope: "fault:f", Unit: "s", Target: 10, Value: rto, Verdict: slo.Pass}},
		Faults:     []slo.FaultSummary{{Name: "f", Injected: t0.Add(20 * time.Second)}},
	}
}

func TestRTORows(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	cases := []struct {
		name      string
		base, run *float64
		want      Verdict
	}{
		{"a second slower, within 3 s", v(3.2), v(4.2), NoChange},
		{"probes slower: 3 s to 17 s", v(3.2), v(17), Regressed},
		{"faster: 17 s to 3 s", v(17), v(3.2), Improved},
		{"exactly at the tolerance edge", v(3), v(6), Inconclusive},
		{"not recovered", v(3), nil, Regressed},
		{"recovered where the baseline did not", nil, v(3), Improved},
		{"neither recovered", nil, nil, Inconclusive},
	}
	for _, tc := range cases {
		c := Compare(Side{Report: rtoReport(tc.base)}, Side{Report: rtoReport(tc.run)}, Options{})
		r := c.Row("rto", "fault:f")
		if r.Verdict != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, r.Verdict, r.Reason, tc.want)
		}
		if r.Verdict != NoChange && r.Reason == "" {
			t.Errorf("%s: %s without a reason", tc.name, r.Verdict)
		}
	}
}

func TestLateRigMakesLatencyInconclusive(t *testing.T) {
	base := synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, seed: 1}.side()
	run := synth{seconds: 40, perSecond: 600, median: 24 * time.Millisecond, seed: 3}.side()
	if r := Compare(base, run, Options{}).Row("p99", "overall"); r.Verdict != Regressed {
		t.Fatalf("on time: %s (%s), want REGRESSED", r.Verdict, r.Reason)
	}
	// The generator late by 50 ms in every second: more than the 20 %
	// shift (about 10 ms), so the machine may have made it.
	health := func(late func(sec int) time.Duration) []results.Health {
		var hs []results.Health
		for sec := range 40 {
			hs = append(hs, results.Health{Start: t0.Add(time.Duration(sec) * time.Second), Sends: 1200, SendLagP99: results.Duration(late(sec))})
		}
		return hs
	}
	run.Run.Health = health(func(int) time.Duration { return 50 * time.Millisecond })
	r := Compare(base, run, Options{}).Row("p99", "overall")
	if r.Verdict != Inconclusive || !strings.Contains(r.Reason, LateReason+" 50ms") {
		t.Errorf("late rig: %s (%s), want INCONCLUSIVE naming the lateness", r.Verdict, r.Reason)
	}
	// Late in 3 seconds of 40: a regression no larger than the latest
	// second's lateness is still the machine's to explain ...
	three := health(func(sec int) time.Duration { return time.Duration(sec%13/12) * 50 * time.Millisecond })
	run.Run.Health = three
	if r := Compare(base, run, Options{}).Row("p99", "overall"); r.Verdict != Inconclusive || !strings.Contains(r.Reason, "50ms in its latest second") {
		t.Errorf("3 late seconds: %s (%s), want INCONCLUSIVE naming the latest second", r.Verdict, r.Reason)
	}
	// ... but a NO CHANGE stands: a typical second was on time (a few late
	// seconds are the bootstrap's to weigh), unless every second was late.
	same := synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, seed: 2}.side()
	same.Run.Health = three
	if r := Compare(base, same, Options{}).Row("p99", "overall"); r.Verdict != NoChange {
		t.Errorf("same build, 3 late seconds: %s (%s), want NO CHANGE", r.Verdict, r.Reason)
	}
	same.Run.Health = health(func(int) time.Duration { return 50 * time.Millisecond })
	if r := Compare(base, same, Options{}).Row("p99", "overall"); r.Verdict != Inconclusive || !strings.Contains(r.Reason, "50ms in a typical second") {
		t.Errorf("same build, every second late: %s (%s), want INCONCLUSIVE naming a typical second", r.Verdict, r.Reason)
	}
}

// TestStarvedRigMakesAvailabilityInconclusive: a run whose typical second
// was late by 10 % of the timeout or more cannot show an availability
// change: the starved machine fails requests itself.
func TestStarvedRigMakesAvailabilityInconclusive(t *testing.T) {
	base := synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, seed: 1}.side()
	run := synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, failRatio: 0.001, seed: 5}.side()
	if r := Compare(base, run, Options{}).Row("availability", "steady-state"); r.Verdict != Regressed {
		t.Fatalf("on time: %s (%s), want REGRESSED", r.Verdict, r.Reason)
	}
	for sec := range 40 {
		run.Run.Health = append(run.Run.Health, results.Health{Start: t0.Add(time.Duration(sec) * time.Second), Sends: 1200, SendLagP99: results.Duration(250 * time.Millisecond)})
	}
	r := Compare(base, run, Options{}).Row("availability", "steady-state")
	if r.Verdict != Inconclusive || !strings.Contains(r.Reason, LateReason+" 250ms in a typical second, 200ms of the request timeout") {
		t.Errorf("starved: %s (%s), want INCONCLUSIVE naming the lateness", r.Verdict, r.Reason)
	}
}

// TestUnevenLateSecondsNameTheMachine: two runs of one build where 2 of
// the run's 40 seconds were 1.5 times slower (the rig late by 50 ms in them): the
// request count would decide NO CHANGE, the bootstrap's whole seconds make
// it INCONCLUSIVE, and the reason names the late second, not the data.
func TestUnevenLateSecondsNameTheMachine(t *testing.T) {
	base := synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, seed: 1}.side()
	bad := func(sec int) bool { return sec%20 == 19 }
	run := synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, seed: 2,
		slow: func(sec int) float64 { return map[bool]float64{true: 1.5, false: 1}[bad(sec)] }}.side()
	for sec := range 40 {
		late := time.Duration(0)
		if bad(sec) {
			late = 50 * time.Millisecond
		}
		run.Run.Health = append(run.Run.Health, results.Health{Start: t0.Add(time.Duration(sec) * time.Second), Sends: 1200, SendLagP99: results.Duration(late)})
	}
	r := Compare(base, run, Options{}).Row("p99", "overall")
	if r.Verdict != Inconclusive || !strings.Contains(r.Reason, LateReason+" 50ms in its latest second") {
		t.Errorf("uneven late seconds: %s (%s), want INCONCLUSIVE naming the latest second", r.Verdict, r.Reason)
	}
	run.Run.Health = nil // the same seconds, no rig lateness on record: the data's
	if r := Compare(base, run, Options{}).Row("p99", "overall"); r.Verdict != Inconclusive || strings.Contains(r.Reason, LateReason) {
		t.Errorf("uneven seconds, rig on time: %s (%s), want INCONCLUSIVE for the data", r.Verdict, r.Reason)
	}
}
