package slo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// fillReasons gives every FAIL and INCONCLUSIVE objective that has none a
// one-line reason (DESIGN.md §2: every verdict that is not PASS says why).
// INFO rows judge nothing and carry none.
func fillReasons(objs []Objective) {
	for i := range objs {
		if o := &objs[i]; o.Reason == "" && (o.Verdict == Fail || o.Verdict == Inconclusive) {
			o.Reason = reasonFor(o)
		}
	}
}

func reasonFor(o *Objective) string {
	switch {
	case o.Unit == "s" && strings.HasPrefix(o.Name, "p"):
		return quantileReason(o)
	case o.Unit == "ratio":
		return ratioReason(o)
	case o.Name == "rto":
		return rtoReason(o)
	case o.Name == "budget" && o.Value != nil:
		return fmt.Sprintf("the fault spent %s of the 30-day error budget, at or over the %s allowed", pct(*o.Value), pct(o.Target))
	}
	return genericReason(o)
}

func quantileReason(o *Objective) string {
	target := secs(o.Target)
	switch {
	case o.N == 0:
		return "no successful requests"
	case o.Verdict == Fail:
		return fmt.Sprintf("%s %s ≥ %s target (%s)", o.Name, secs(*o.Value), target, interval(o, secs))
	case o.CIHigh == nil:
		return fmt.Sprintf("%s successful requests: too few to bound %s from above (%s needed)",
			thousands(o.N), o.Name, thousands(MinSamplesToBound(quantileOf(o.Name))))
	default:
		return fmt.Sprintf("%s %s, but its %s straddles the %s target", o.Name, secs(*o.Value), interval(o, secs), target)
	}
}

func ratioReason(o *Objective) string {
	what := o.Name
	if o.Name == LatencyWithinName {
		if o.Verdict == Fail && o.Value != nil {
			return fmt.Sprintf("%s of all requests answered successfully within the latency target, < %s (%s)",
				pct(*o.Value), pct(o.Target), interval(o, pct))
		}
		what = "the share answered within the latency target"
	}
	switch {
	case o.N == 0 && o.Detail != "":
		return o.Detail
	case o.N == 0:
		return "no requests"
	case o.Verdict == Fail:
		return fmt.Sprintf("%s %s < %s target (%s)", what, pct(*o.Value), pct(o.Target), interval(o, pct))
	case o.Value != nil && *o.Value == 1 && o.RequestsToDecide > 0:
		return fmt.Sprintf("%s failure-free requests; %s decide %s", thousands(o.N), thousands(o.N+o.RequestsToDecide), pct(o.Target))
	case o.RequestsToDecide > 0:
		return fmt.Sprintf("%s %s over %s requests: its %s straddles the %s target; about %s more at this ratio would decide",
			what, pct(*o.Value), thousands(o.N), interval(o, pct), pct(o.Target), thousands(o.RequestsToDecide))
	default:
		return fmt.Sprintf("%s %s over %s requests: its %s straddles the %s target, and no number of requests at this ratio decides",
			what, pct(*o.Value), thousands(o.N), interval(o, pct), pct(o.Target))
	}
}

func rtoReason(o *Objective) string {
	switch {
	case o.Value == nil:
		return "not recovered: no all-success stretch began before the heal"
	case o.Verdict == Fail:
		return fmt.Sprintf("RTO %s ≥ %s target", secs(*o.Value), secs(o.Target))
	case o.Detail != "":
		detail := o.Detail
		if _, rest, ok := strings.Cut(detail, ": "); ok && strings.HasPrefix(detail, "worst ") {
			detail = rest // the overall row's "worst fault:<name>: …"
		}
		return fmt.Sprintf("RTO %s, but %s", secs(*o.Value), detail)
	}
	return genericReason(o)
}

func genericReason(o *Objective) string {
	switch {
	case o.Detail != "":
		return o.Detail
	case o.Value != nil && o.Verdict == Fail:
		return fmt.Sprintf("%s %s ≥ %s target", o.Name, num(*o.Value, o.Unit), num(o.Target, o.Unit))
	}
	return strings.ToLower(string(o.Verdict))
}

// interval names an objective's 95 % interval, or says that a side is open.
func interval(o *Objective, f func(float64) string) string {
	lo, hi := "…", "…"
	if o.CILow != nil {
		lo = f(*o.CILow)
	}
	if o.CIHigh != nil {
		hi = f(*o.CIHigh)
	}
	for _, unit := range []string{" ms", " s", " %"} {
		if strings.HasSuffix(lo, unit) && strings.HasSuffix(hi, unit) {
			lo = strings.TrimSuffix(lo, unit) // "175–190 ms"
			break
		}
	}
	return "95 % interval " + lo + "–" + hi
}

// quantileOf is the quantile an objective name says: 0.99 for "p99".
func quantileOf(name string) float64 {
	v, err := strconv.ParseFloat(strings.TrimPrefix(name, "p"), 64)
	if err != nil || v <= 0 || v >= 100 {
		return 0.99
	}
	return v / 100
}

// secs formats seconds as reports show them: "181 ms", "4.49 s".
func secs(s float64) string {
	if math.Abs(s) < 1 {
		return ms(time.Duration(s * float64(time.Second)))
	}
	return strconv.FormatFloat(s, 'g', 3, 64) + " s"
}

// pct formats a ratio as a percentage with up to three decimals: "99.984 %".
func pct(r float64) string {
	return strconv.FormatFloat(math.Round(r*1e5)/1e3, 'f', -1, 64) + " %"
}

func num(v float64, unit string) string {
	switch unit {
	case "s":
		return secs(v)
	case "ratio", "share":
		return pct(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// thousands formats n with comma separators: 38,411.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
