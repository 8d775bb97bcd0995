package compare

import (
	"errors"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

func TestParseTolerances(t *testing.T) {
	d := DefaultTolerances()
	cases := []struct {
		in   string
		want Tolerances
		err  bool
	}{
		{"", d, false},
		{"p99=5%", Tolerances{P99: 0.05, Availability: d.Availability, RTO: d.RTO, RPO: d.RPO, Budget: d.Budget}, false},
		{"p99=0.2, rto=1s,rpo=500ms", Tolerances{P99: 0.2, Availability: d.Availability, RTO: results.Duration(time.Second), RPO: results.Duration(500 * time.Millisecond), Budget: d.Budget}, false},
		{"availability=0.01%,budget=2%", Tolerances{P99: d.P99, Availability: 0.0001, RTO: d.RTO, RPO: d.RPO, Budget: 0.02}, false},
		{"p99", d, true},
		{"p99=0%", d, true},
		{"p99=101%", d, true},
		{"p99=NaN", d, true},
		{"rto=-1s", d, true},
		{"rto=48h", d, true},
		{"rto=10", d, true},
		{"latency=10%", d, true},
	}
	for _, tc := range cases {
		got, err := ParseTolerances(tc.in)
		if (err != nil) != tc.err || (err != nil && !errors.Is(err, ErrTolerance)) {
			t.Errorf("%q: error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if !tc.err && got != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.in, got, tc.want)
		}
	}
	if s := d.String(); s != "p99=10%,availability=0.01%,rto=3s,rpo=1s,budget=1%" {
		t.Errorf("defaults read %q", s)
	}
	if got, err := ParseTolerances(d.String()); err != nil || got != d {
		t.Errorf("String does not parse back: %+v, %v", got, err)
	}
}
