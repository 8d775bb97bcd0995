package scenario

import (
	"errors"
	"testing"

	"github.com/slocheck/slocheck/internal/driver"
)

// FuzzOverrides checks the `slocheck run` flags that replace scenario fields
// (Overrides.Set, then Apply on a builtin scenario): whatever the values, no
// panic; a problem is an Errors of located problems; and a scenario Apply
// accepts keeps every number within its bound (issue 11: --rate 1e23
// panicked, --rate 1e12 and --duration 100000h were accepted).
func FuzzOverrides(f *testing.F) {
	for _, seed := range [][7]string{
		{"99999999999999999999999", "", "", "", "", "", ""},
		{"1e12", "100000h", "", "", "", "", ""},
		{"200000", "24h", "1s", "23h", "westeurope", "blackhole", ""},
		{"-1", "0s", "-5s", "0s", "mars", "dwn", "ftp://x"},
		{"NaN", "1ns", "", "1ns", "", "slow", "http://127.0.0.1:1"},
		{"+Inf", "9223372036854775807ns", "9223372036854775807ns", "9223372036854775807ns", "", "", ""},
		{"0x1p-1074", "2562047h47m16.854775807s", "", "", "eastus", "", "http://[::1]:1/"},
	} {
		f.Add(uint8(0), seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6])
	}
	names := Names()
	f.Fuzz(func(t *testing.T, which uint8, rate, duration, at, forDur, region, mode, target string) {
		s, err := Builtin(names[int(which)%len(names)])
		if err != nil {
			t.Fatal(err)
		}
		var o Overrides
		for _, kv := range [][2]string{{"rate", rate}, {"duration", duration}, {"fault-at", at}, {"fault-for", forDur},
			{"fault-region", region}, {"fault-mode", mode}, {"target", target}} {
			if kv[1] == "" {
				continue
			}
			if err := o.Set(kv[0], kv[1]); err != nil && err.Error() == "" {
				t.Fatalf("Set(%q, %q): an empty error", kv[0], kv[1])
			}
		}
		if err := s.Apply(o); err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Apply: error %T %v, want a non-empty Errors", err, err)
			}
			for _, e := range errs {
				if _, ok := e.(*Error); !ok {
					t.Fatalf("problem %T %v is not an *Error", e, e)
				}
			}
			return
		}
		if errs := s.Validate(); len(errs) > 0 {
			t.Fatalf("Apply accepted a scenario that Validate rejects: %v", errs)
		}
		checkBounds(t, s)
		_ = s.Warnings()
	})
}

// checkBounds fails t when an accepted scenario holds a number past its
// bound.
func checkBounds(t *testing.T, s *Scenario) {
	t.Helper()
	l := &s.Load
	if !(l.Rate >= 0 && l.Rate <= driver.MaxRate) || l.Duration > driver.MaxDuration || l.Timeout > driver.MaxTimeout ||
		l.MaxWorkers > driver.MaxWorkersCap || len(l.Ramp) > driver.MaxStages || len(l.Journeys) > driver.MaxJourneys {
		t.Fatalf("accepted a load past its bounds: %+v", *l)
	}
	for _, st := range l.Ramp {
		if !(st.Rate >= 0 && st.Rate <= driver.MaxRate) || st.Duration > driver.MaxDuration {
			t.Fatalf("accepted a ramp stage past its bounds: %+v", st)
		}
	}
	for _, j := range l.Journeys {
		if len(j.Steps) > driver.MaxSteps || j.ThinkTime > driver.MaxThinkTime {
			t.Fatalf("accepted a journey past its bounds: %+v", j)
		}
	}
	for _, flt := range s.Faults {
		if flt.At > driver.MaxDuration || flt.For > driver.MaxDuration || flt.MaxDuration > driver.MaxDuration || !(flt.Ratio >= 0 && flt.Ratio <= 1) {
			t.Fatalf("accepted a fault past its bounds: %+v", flt)
		}
	}
}
