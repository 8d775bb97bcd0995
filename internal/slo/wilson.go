package slo

import "math"

// Z95 is the standard normal quantile Φ⁻¹(0.975) = 1.959964 (to seven
// digits): the z of a two-sided 95 % interval.
const Z95 = 1.959963984540054

// maxDecidable caps RequestsToDecide: beyond it the observed ratio is, for any
// practical run, equal to the target.
const maxDecidable = 1e15

// Bounds is a confidence interval [Low, High].
type Bounds struct {
	Low, High float64
}

// Wilson returns the Wilson score interval for successes out of n trials at
// the normal quantile z (Z95 for 95 %). With p̂ = successes/n:
//
//	centre = (p̂ + z²/2n) / (1 + z²/n)
//	half   = z/(1 + z²/n) · √(p̂(1−p̂)/n + z²/4n²)
//
// For n = 0 it returns [0, 1].
func Wilson(successes, n uint64, z float64) Bounds {
	if n == 0 {
		return Bounds{0, 1}
	}
	return wilsonRatio(float64(successes)/float64(n), float64(n), z)
}

// wilsonRatio is Wilson for a real-valued observed ratio p, so that the
// interval can be projected to a larger n at the same ratio.
func wilsonRatio(p, n, z float64) Bounds {
	z2n := z * z / n
	centre := (p + z2n/2) / (1 + z2n)
	half := z / (1 + z2n) * math.Sqrt(p*(1-p)/n+z2n/(4*n))
	return Bounds{Low: math.Max(0, centre-half), High: math.Min(1, centre+half)}
}

// Decide turns an interval into the verdict of an "at least target"
// objective: PASS when the whole interval is at or above the target, FAIL when
// it is wholly below, INCONCLUSIVE when it straddles the target.
func (b Bounds) Decide(target float64) Verdict {
	switch {
	case b.Low >= target:
		return Pass
	case b.High < target:
		return Fail
	default:
		return Inconclusive
	}
}

// Availability is an availability objective evaluated (DESIGN.md §2).
type Availability struct {
	Successes, N uint64
	Target       float64
	Bounds       Bounds // two-sided 95 % Wilson score interval
	Verdict      Verdict
	// RequestsToDecide is how many more requests, at the observed failure
	// ratio (or at zero failures when none was seen), would make the verdict
	// PASS or FAIL; 0 once decided.
	RequestsToDecide uint64
	// Undecidable is true when no number of requests can decide: the
	// observed ratio equals the target (or the target is 1).
	Undecidable bool
}

// Value is the observed ratio successes/n, or NaN when n is 0.
func (a Availability) Value() float64 {
	if a.N == 0 {
		return math.NaN()
	}
	return float64(a.Successes) / float64(a.N)
}

// EvaluateAvailability computes the two-sided 95 % Wilson interval of
// successes/n and, judged on one side of it (a one-sided test at 97.5 %),
// its verdict against "availability >= target".
func EvaluateAvailability(successes, n uint64, target float64) Availability {
	b := Wilson(successes, n, Z95)
	a := Availability{Successes: successes, N: n, Target: target, Bounds: b, Verdict: b.Decide(target)}
	if n == 0 {
		a.Verdict = Inconclusive
	}
	if a.Verdict == Inconclusive {
		more, ok := RequestsToDecide(successes, n, target)
		a.RequestsToDecide, a.Undecidable = more, !ok
	}
	return a
}

// RequestsToDecide returns how many requests beyond n, at the observed ratio
// successes/n (1 when n is 0), would make the 95 % Wilson interval decide
// against target; ok is false when none would.
//
// The Wilson interval is the set of p that a score test does not reject:
// |p̂ − p| <= z·√(p(1−p)/N). So the target lies outside it exactly when
// N >= z²·t(1−t)/(p̂ − t)², which is solved for N and then checked against
// the interval itself, so that rounding never disagrees with the verdict.
func RequestsToDecide(successes, n uint64, target float64) (more uint64, ok bool) {
	p := 1.0
	if n > 0 {
		p = float64(successes) / float64(n)
	}
	if target <= 0 {
		return 0, true
	}
	if p == target || target >= 1 {
		return 0, false
	}
	need := Z95 * Z95 * target * (1 - target) / ((p - target) * (p - target))
	if need > maxDecidable {
		return 0, false
	}
	// The solution is exact up to rounding: a few steps either way settle it.
	total := uint64(math.Ceil(need))
	for i := 0; i < 8 && total > 1 && decides(p, total-1, target); i++ {
		total--
	}
	for i := 0; !decides(p, total, target); i++ {
		if i == 8 {
			return 0, false
		}
		total++
	}
	if total <= n {
		return 0, true
	}
	return total - n, true
}

func decides(p float64, n uint64, target float64) bool {
	return n > 0 && wilsonRatio(p, float64(n), Z95).Decide(target) != Inconclusive
}

// MinRequestsToPass is the smallest number of requests with no failure whose
// 95 % Wilson lower bound reaches target: N = ⌈z²·t/(1−t)⌉, 38,411 for
// 99.99 %. It is how large steady state must be for a clean run to PASS.
func MinRequestsToPass(target float64) uint64 {
	more, _ := RequestsToDecide(0, 0, target)
	return more
}
