package report

import (
	"testing"

	"github.com/slocheck/slocheck/internal/slo"
)

func TestSeconds(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0 s"}, {0.0932, "93.2 ms"}, {0.15, "150.0 ms"}, {0.0042, "4.20 ms"}, {0.00035, "0.350 ms"},
		{0.9999, "999.9 ms"}, {1, "1.00 s"}, {4.2, "4.20 s"}, {259.2, "259.20 s"},
	} {
		if got := seconds(c.in); got != c.want {
			t.Errorf("seconds(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{1, "100 %"}, {0, "0 %"}, {0.9999, "99.99 %"}, {0.999912, "99.9912 %"}, {0.977, "97.7 %"},
		{0.0073, "0.73 %"}, {0.2, "20 %"},
		{0.9999999, "99.99999 %"}, // four decimals would round to 100 %
		{0.0000001, "0.00001 %"},  // and this to 0 %
	} {
		if got := percent(c.in); got != c.want {
			t.Errorf("percent(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBound(t *testing.T) {
	for _, c := range []struct {
		o          slo.Objective
		pass, fail string
	}{
		{slo.Objective{Name: "p99", Unit: "s"}, "<", ">="},
		{slo.Objective{Name: "availability", Unit: "ratio"}, ">=", "<"},
		{slo.Objective{Name: "rto", Unit: "s"}, "<", ">="},
		{slo.Objective{Name: "budget", Unit: "share"}, "<=", ">"},
	} {
		if p, f := bound(&c.o); p != c.pass || f != c.fail {
			t.Errorf("bound(%s) = %q, %q; want %q, %q", c.o.Name, p, f, c.pass, c.fail)
		}
	}
}

func TestMdEscape(t *testing.T) {
	for in, want := range map[string]string{
		"a|b": `a\|b`, "< 150.0 ms": "< 150.0 ms", "<script>": "&lt;script>", "east_us": `east\_us`, "x\ny": "x y",
	} {
		if got := mdEscape(in); got != want {
			t.Errorf("mdEscape(%q) = %q, want %q", in, got, want)
		}
	}
}
