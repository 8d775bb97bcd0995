package compare

import (
	"fmt"
	"math"
)

// interval is a change (run − baseline, in the row's ChangeUnit, signed as
// the figure moves) with its 95 % interval.
type interval struct{ change, lo, hi float64 }

// judge is the one rule of the package doc: it sets row's change, interval,
// tolerance, verdict and reason. worseUp says whether a rise is worse (p99,
// RTO, RPO, budget) or a fall (availability).
func judge(row *Row, iv interval, tol float64, worseUp bool) {
	row.Change, row.CILow, row.CIHigh, row.Tolerance = finite(iv.change), finite(iv.lo), finite(iv.hi), tol
	lo, hi := iv.lo, iv.hi // as "how much worse"
	if !worseUp {
		lo, hi = -iv.hi, -iv.lo
	}
	switch {
	case math.IsNaN(lo) || math.IsNaN(hi):
		row.Verdict = Inconclusive
		row.Reason = "the change has no interval"
	case lo > tol:
		row.Verdict = Regressed
		row.Reason = fmt.Sprintf("worse by %s (95 %% interval %s to %s), beyond the ±%s tolerance",
			magnitude(iv.change, row.ChangeUnit), signed(iv.lo, row.ChangeUnit), signed(iv.hi, row.ChangeUnit), magnitude(tol, row.ChangeUnit))
	case hi < -tol:
		row.Verdict = Improved
		row.Reason = fmt.Sprintf("better by %s (95 %% interval %s to %s), beyond the ±%s tolerance",
			magnitude(iv.change, row.ChangeUnit), signed(iv.lo, row.ChangeUnit), signed(iv.hi, row.ChangeUnit), magnitude(tol, row.ChangeUnit))
	case lo >= -tol && hi <= tol:
		row.Verdict, row.Reason = NoChange, ""
	default:
		row.Verdict = Inconclusive
		row.Reason = fmt.Sprintf("the 95 %% interval %s to %s reaches past the ±%s tolerance: the data cannot tell",
			signed(iv.lo, row.ChangeUnit), signed(iv.hi, row.ChangeUnit), magnitude(tol, row.ChangeUnit))
	}
}

// The change units.
const (
	unitRelative = "relative" // run/baseline − 1
	unitSeconds  = "s"
	unitRatio    = "ratio" // difference of two ratios (availability)
	unitShare    = "share" // difference of two shares of the budget
)

// signed formats a change with its sign: "+12.3 %", "-1.20 s", "+0.0100 pp".
func signed(v float64, unit string) string {
	s := magnitude(math.Abs(v), unit)
	if v < 0 {
		return "-" + s
	}
	return "+" + s
}

// magnitude formats a non-negative change in its unit.
func magnitude(v float64, unit string) string {
	v = math.Abs(v)
	if math.IsInf(v, 0) {
		return "∞"
	}
	switch unit {
	case unitRelative:
		return fmt.Sprintf("%.1f %%", v*100)
	case unitSeconds:
		return fmt.Sprintf("%.2f s", v)
	case unitRatio:
		return fmt.Sprintf("%.4f pp", v*100)
	case unitShare:
		return fmt.Sprintf("%.2f pp", v*100)
	}
	return fmt.Sprintf("%g", v)
}

// FormatChange formats a row's change (or a bound) as the outputs show it.
func FormatChange(v float64, unit string) string { return signed(v, unit) }

// FormatTolerance formats a row's tolerance as the outputs show it: "±10.0 %".
func FormatTolerance(v float64, unit string) string { return "±" + magnitude(v, unit) }

func f64(v float64) *float64 { return &v }

// finite is v, or nil when v is infinite or NaN (an unbounded side: JSON
// has no infinity).
func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}
