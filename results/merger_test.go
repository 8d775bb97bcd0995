package results

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// withClock returns a copy of r as a process whose clock is off by skew
// would have written it: every instant it took from its own clock (fault
// events) moved by skew. Its schedule started at the shared --start-at by
// its own clock, so its intervals stay on the grid.
func withClock(r *Run, name string, skew time.Duration) *Run {
	c := *r
	c.Header.Generator = name
	c.Events = nil
	for _, e := range r.Events {
		if e.Kind == EventFaultInjected || e.Kind == EventFaultHealed {
			e.Time = e.Time.Add(skew)
		}
		c.Events = append(c.Events, e)
	}
	return &c
}

// faultedRun is the sample run with its fault healed at 2.5 s, holding only
// the given client regions' traffic (by segment seg).
func faultedRun(t *testing.T, regions []string, seg string) *Run {
	r := sampleRun(t)
	r.Events = append(r.Events, Event{Time: t0.Add(2500 * time.Millisecond), Kind: EventFaultHealed, Fault: "eastus-down",
		Injector: "platform", Target: "eastus", Mode: "down"})
	r.Header.ClientRegions, r.Header.Segment = regions, seg
	return r
}

func mergeAll(o MergeOptions, runs ...*Run) (*Run, error) {
	m := NewMerger(o)
	for _, r := range runs {
		if err := m.Add("", r); err != nil {
			return nil, err
		}
	}
	return m.Run()
}

func faultEvents(r *Run) (inj, healed []time.Time) {
	for _, e := range r.Events {
		switch e.Kind {
		case EventFaultInjected:
			inj = append(inj, e.Time)
		case EventFaultHealed:
			healed = append(healed, e.Time)
		}
	}
	return inj, healed
}

// TestMergerSkewedClocks: the same fault from three processes whose clocks
// are apart by less than the tolerance is one fault, from the earliest
// injection to the latest heal, the spread recorded; further apart than the
// tolerance the merge is refused with the reason, and --force merges with
// the refusal kept as a warning.
func TestMergerSkewedClocks(t *testing.T) {
	base := faultedRun(t, []string{"eastus"}, "0:1/2")
	other := faultedRun(t, []string{"eastus"}, "1/2:1")
	west := faultedRun(t, []string{"westeurope"}, "")
	const tol = 100 * time.Millisecond
	t.Run("inside", func(t *testing.T) {
		m, err := mergeAll(MergeOptions{ClockTolerance: tol},
			withClock(base, "g1", 0), withClock(other, "g2", 40*time.Millisecond), withClock(west, "g3", -30*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		inj, healed := faultEvents(m)
		if len(inj) != 1 || len(healed) != 1 {
			t.Fatalf("%d injections, %d heals: want one fault", len(inj), len(healed))
		}
		if want := t0.Add(time.Second - 30*time.Millisecond); !inj[0].Equal(want) {
			t.Errorf("injected %v, want the earliest %v", inj[0], want)
		}
		if want := t0.Add(2540 * time.Millisecond); !healed[0].Equal(want) {
			t.Errorf("healed %v, want the latest %v", healed[0], want)
		}
		info := m.Header.Merge
		if info == nil || info.ClockTolerance.Std() != tol || len(info.Faults) != 1 || len(info.Faults[0].Sources) != 3 ||
			info.Faults[0].InjectedSpread.Std() != 70*time.Millisecond || len(info.Warnings) != 0 {
			t.Fatalf("merge info %+v", info)
		}
	})
	t.Run("outside", func(t *testing.T) {
		runs := []*Run{withClock(base, "g1", 0), withClock(other, "g2", 250*time.Millisecond), withClock(west, "g3", 0)}
		_, err := mergeAll(MergeOptions{ClockTolerance: tol}, runs...)
		if !errors.Is(err, ErrClocksApart) || !strings.Contains(err.Error(), "250ms apart") || !strings.Contains(err.Error(), "--clock-tolerance") {
			t.Fatalf("err %v, want clocks apart by 250ms", err)
		}
		m, err := mergeAll(MergeOptions{ClockTolerance: tol, Force: true}, runs...)
		if err != nil {
			t.Fatal(err)
		}
		inj, _ := faultEvents(m)
		if len(inj) != 1 || !m.Header.Merge.Forced || len(m.Header.Merge.Warnings) != 2 { // injection and heal both apart
			t.Fatalf("forced: %d injections, info %+v", len(inj), m.Header.Merge)
		}
	})
}

// TestMergerRefuses: another scenario, and two streams holding the same
// share of a client region, are refused with a message naming both; a
// conductor holds no traffic; segments that partition a region merge.
func TestMergerRefuses(t *testing.T) {
	cases := []struct {
		name    string
		a, b    *Run
		want    error
		message string
	}{
		{"scenario", faultedRun(t, []string{"eastus"}, ""), func() *Run {
			r := faultedRun(t, []string{"westeurope"}, "")
			r.Header.Scenario = "other"
			return r
		}(), ErrOtherRun, `scenario "other" is not "test"`},
		{"overlap", faultedRun(t, []string{"eastus"}, "0:1/2"), faultedRun(t, []string{"eastus", "westeurope"}, "1/3:1"),
			ErrSegmentOverlap, "client region eastus's traffic 1/3:1/2"},
		{"whole twice", faultedRun(t, []string{"eastus"}, ""), faultedRun(t, []string{"eastus"}, ""), ErrSegmentOverlap, "0:1"},
	}
	for _, c := range cases {
		_, err := mergeAll(MergeOptions{}, withClock(c.a, "a", 0), withClock(c.b, "b", 0))
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: err %v, want %v with %q", c.name, err, c.want, c.message)
		}
		if _, err := mergeAll(MergeOptions{Force: true}, c.a, c.b); err != nil {
			t.Errorf("%s forced: %v", c.name, err)
		}
	}
	conductor := faultedRun(t, nil, "")
	conductor.Header.Role = RoleConductor
	conductor.Intervals = nil
	if _, err := mergeAll(MergeOptions{}, faultedRun(t, []string{"eastus"}, "0:1/2"), faultedRun(t, []string{"eastus"}, "1/2:1"),
		faultedRun(t, []string{"westeurope"}, ""), conductor); err != nil {
		t.Fatalf("generators and a conductor: %v", err)
	}
	k6 := faultedRun(t, []string{"eastus", "westeurope"}, "")
	k6.Header.Engine, k6.Header.Target = "k6", "https://shop.example"
	m, err := mergeAll(MergeOptions{}, conductor, k6)
	if err != nil || m.Header.Engine != "k6" || m.Header.Target != "https://shop.example" {
		t.Fatalf("a conductor (engine go) and a k6 runner: %v, header %+v", err, m.Header)
	}
	if _, err := mergeAll(MergeOptions{}, faultedRun(t, []string{"eastus"}, "1/2")); err == nil {
		t.Fatal("a segment without a colon merged")
	}
}

func TestParseSegment(t *testing.T) {
	for in, want := range map[string]string{"": "0:1", "0:1": "0:1", "0:1/2": "0:1/2", "1/2:1": "1/2:1", "0.25:0.5": "1/4:1/2", "1/3:2/3": "1/3:2/3"} {
		s, err := ParseSegment(in)
		if err != nil || s.String() != want {
			t.Errorf("%q: %v %v, want %s", in, s, err, want)
		}
	}
	for _, bad := range []string{"1/2", "1:0", "0:2", "-1:1", "a:b", "1/2:1/2", "0:1/0"} {
		if _, err := ParseSegment(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	a, _ := ParseSegment("0:1/3")
	b, _ := ParseSegment("1/3:1")
	if a.Overlaps(b) || !a.Contains(0.3) || a.Contains(1.0/3) || !b.Contains(1.0/3) {
		t.Fatal("1/3 is the boundary of 0:1/3 and 1/3:1")
	}
}
