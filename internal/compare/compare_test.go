package compare

import (
	"errors"
	"testing"
	"time"
)

func TestQuantileAndAvailability(t *testing.T) {
	base := synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, seed: 1}
	cases := []struct {
		name      string
		run       synth
		wantP99   Verdict
		wantAvail Verdict
	}{
		{"same build, another seed", synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, seed: 2}, NoChange, NoChange},
		{"service 20 % slower", synth{seconds: 40, perSecond: 600, median: 24 * time.Millisecond, seed: 3}, Regressed, NoChange},
		{"service 20 % faster", synth{seconds: 40, perSecond: 600, median: 16 * time.Millisecond, seed: 4}, Improved, NoChange},
		{"failing 0.1 %", synth{seconds: 40, perSecond: 600, median: 20 * time.Millisecond, failRatio: 0.001, seed: 5}, NoChange, Regressed},
		// 2,000 requests decide a p99 of this narrow a spread (σ 0.4) to
		// about ±7 %, but 99.99 % availability not at all.
		{"2,000 requests", synth{seconds: 2, perSecond: 500, median: 20 * time.Millisecond, seed: 6}, NoChange, Inconclusive},
	}
	b := base.side()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Compare(b, tc.run.side(), Options{})
			p99, av := c.Row("p99", "overall"), c.Row("availability", "steady-state")
			if p99.Verdict != tc.wantP99 {
				t.Errorf("p99: %s (%s; change %v in [%v, %v]), want %s", p99.Verdict, p99.Reason, deref(p99.Change), deref(p99.CILow), deref(p99.CIHigh), tc.wantP99)
			}
			if av.Verdict != tc.wantAvail {
				t.Errorf("availability: %s (%s), want %s", av.Verdict, av.Reason, tc.wantAvail)
			}
			if p99.CILow != nil && !(*p99.CILow <= *p99.Change && *p99.Change <= *p99.CIHigh) {
				t.Errorf("p99 change %v outside its interval [%v, %v]", *p99.Change, *p99.CILow, *p99.CIHigh)
			}
		})
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

func TestTwoThousandAgainstHundredThousand(t *testing.T) {
	base := synth{seconds: 50, perSecond: 1000, median: 20 * time.Millisecond, seed: 1}.side()
	run := synth{seconds: 2, perSecond: 500, median: 20 * time.Millisecond, seed: 2}.side()
	if base.Report.Requests != 100_000 || run.Report.Requests != 2_000 {
		t.Fatalf("requests %d and %d, want 100,000 and 2,000", base.Report.Requests, run.Report.Requests)
	}
	c := Compare(base, run, Options{})
	if c.Verdict != Inconclusive || c.ExitCode != 0 {
		t.Errorf("verdict %s exit %d, want INCONCLUSIVE exit 0", c.Verdict, c.ExitCode)
	}
	if c = Compare(base, run, Options{InconclusiveFails: true}); c.ExitCode != 98 {
		t.Errorf("with InconclusiveFails: exit %d, want 98", c.ExitCode)
	}
}

func TestCompatible(t *testing.T) {
	a := synth{seconds: 2, perSecond: 10, median: time.Millisecond}.side()
	b := synth{seconds: 2, perSecond: 10, median: time.Millisecond, scenario: "other"}.side()
	if err := Compatible(a.Report, a.Report); err != nil {
		t.Errorf("same scenario: %v", err)
	}
	if err := Compatible(a.Report, b.Report); !errors.Is(err, ErrDifferentRuns) {
		t.Errorf("other scenario: %v, want ErrDifferentRuns", err)
	}
	c := *b.Report
	c.Scenario, c.Target = a.Report.Scenario, "https://shop.example"
	if err := Compatible(a.Report, &c); !errors.Is(err, ErrDifferentRuns) {
		t.Errorf("other target: %v, want ErrDifferentRuns", err)
	}
}
