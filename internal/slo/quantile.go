package slo

import (
	"fmt"
	"math"
	"sort"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Ranks are the 1-based ranks l and u of the order statistics X_(l) and
// X_(u) that bound a quantile q_p with at least the requested confidence.
//
// For n independent samples, X_(l) <= q_p exactly when at least l samples
// are <= q_p, and q_p <= X_(u) exactly when fewer than u are; the number of
// samples <= q_p is B ~ Binomial(n, p) (for a continuous distribution; for a
// discrete one the coverage is at least this). So
//
//	P(X_(l) <= q_p <= X_(u)) = P(l <= B <= u−1) = 1 − P(B <= l−1) − P(B >= u)
//
// (Conover, Practical Nonparametric Statistics, 3rd ed. 1999, §3.2; Hahn &
// Meeker, Statistical Intervals, 1991, §5.2). The two tails get α/2 each
// (α = 1 − confidence). When one tail cannot be made that small even at the
// extreme rank (P(B = n) = pⁿ > α/2 for the upper one), that side takes the
// extreme rank and the other side gets what is left of α; when even the
// extreme rank leaves more than α, that side is unbounded (rank 0) and the
// other gets all of α. For p99 at 95 % the upper bound therefore exists from
// n = 299 (0.99²⁹⁹ = 0.0495 <= 0.05; 0.99²⁹⁸ = 0.0500 > 0.05).
type Ranks struct {
	Low, High uint64  // 0 when that side cannot be bounded
	Coverage  float64 // exact 1 − P(B <= Low−1) − P(B >= High), unbounded sides counting 0
}

// QuantileRanks returns the ranks of the distribution-free confidence
// interval for the p-quantile (0 < p < 1) of n samples.
func QuantileRanks(n uint64, p, confidence float64) Ranks {
	if n == 0 || !(p > 0 && p < 1) {
		return Ranks{}
	}
	alpha := 1 - confidence
	t := newBinomial(n, p)
	aL, aU := alpha/2, alpha/2
	switch minLow, minHigh := t.lowerMass(1), t.upperMass(n); {
	case minHigh > aU && minHigh <= alpha-minLow:
		aU, aL = minHigh, alpha-minHigh
	case minHigh > aU:
		aU, aL = 0, alpha
	case minLow > aL && minLow <= alpha-minHigh:
		aL, aU = minLow, alpha-minLow
	case minLow > aL:
		aL, aU = 0, alpha
	}
	r := Ranks{Low: t.lowRank(aL), High: t.highRank(aU), Coverage: 1}
	if r.Low > 0 {
		r.Coverage -= t.lowerMass(r.Low)
	}
	if r.High > 0 {
		r.Coverage -= t.upperMass(r.High)
	}
	return r
}

// binomial tabulates B ~ Binomial(n, p) over the ranks where its tails are
// not negligible: 12 standard deviations either side of the mode, beyond
// which a tail is below 1e−30. The mode's probability comes from log-gamma;
// its neighbours from the ratio P(k+1)/P(k) = (n−k)/(k+1) · p/(1−p). Written
// here rather than taken from gonum: gonum's Binomial.CDF (Cephes incbet, a
// 300-step continued fraction) loses accuracy for n above about 10⁶ (at
// n = 3.6e7, p = 0.5 it returns 0.4688 for the median's CDF, 0.5001).
type binomial struct {
	n, lo  uint64
	cdf    []float64 // cdf[i] = P(B <= lo+i)
	sf     []float64 // sf[i]  = P(B >= lo+i)
	weight float64
}

func newBinomial(n uint64, p float64) *binomial {
	nf := float64(n)
	mode := math.Min(math.Floor((nf+1)*p), nf)
	span := math.Ceil(12*math.Sqrt(nf*p*(1-p)) + 12)
	lo, hi := math.Max(0, mode-span), math.Min(nf, mode+span)
	pmf := make([]float64, int(hi-lo)+1)
	m := int(mode - lo)
	pmf[m] = math.Exp(lgamma(nf+1) - lgamma(mode+1) - lgamma(nf-mode+1) + mode*math.Log(p) + (nf-mode)*math.Log1p(-p))
	odds := p / (1 - p)
	for i := m; i+1 < len(pmf); i++ {
		k := lo + float64(i)
		pmf[i+1] = pmf[i] * (nf - k) / (k + 1) * odds
	}
	for i := m; i > 0; i-- {
		k := lo + float64(i)
		pmf[i-1] = pmf[i] * k / (nf - k + 1) / odds
	}
	b := &binomial{n: n, lo: uint64(lo), cdf: make([]float64, len(pmf)), sf: make([]float64, len(pmf))}
	var s float64
	for i, v := range pmf {
		s += v
		b.cdf[i] = s
	}
	s = 0
	for i := len(pmf) - 1; i >= 0; i-- {
		s += pmf[i]
		b.sf[i] = s
	}
	return b
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// lowerMass is P(B <= l−1): the chance that X_(l) lies above q_p.
func (b *binomial) lowerMass(l uint64) float64 {
	switch k := l - 1; {
	case l == 0 || k < b.lo:
		return 0
	case k-b.lo >= uint64(len(b.cdf)):
		return 1
	default:
		return b.cdf[k-b.lo]
	}
}

// upperMass is P(B >= u): the chance that X_(u) lies below q_p.
func (b *binomial) upperMass(u uint64) float64 {
	switch {
	case u < b.lo:
		return 1
	case u-b.lo >= uint64(len(b.sf)):
		return 0
	default:
		return b.sf[u-b.lo]
	}
}

// lowRank is the largest l in [1, n] with P(B <= l−1) <= a, or 0.
func (b *binomial) lowRank(a float64) uint64 {
	if a <= 0 {
		return 0
	}
	// First table index whose CDF exceeds a: B <= lo+i is too likely, so
	// l−1 must stay below lo+i.
	i := sort.Search(len(b.cdf), func(i int) bool { return b.cdf[i] > a })
	return min(b.lo+uint64(i), b.n)
}

// highRank is the smallest u in [1, n] with P(B >= u) <= a, or 0.
func (b *binomial) highRank(a float64) uint64 {
	if a <= 0 {
		return 0
	}
	i := sort.Search(len(b.sf), func(i int) bool { return b.sf[i] <= a })
	if i == len(b.sf) {
		if b.lo+uint64(i) > b.n {
			return 0
		}
		return b.lo + uint64(i) // beyond the table: the tail is negligible
	}
	return max(b.lo+uint64(i), 1)
}

// Quantile is a latency quantile of a histogram with its distribution-free
// two-sided 95 % confidence interval (a verdict on one side of it is a
// one-sided test at 97.5 %).
type Quantile struct {
	P     float64       // the quantile, 0 < P < 1 (0.99 for p99)
	N     uint64        // samples: successful requests
	Value time.Duration // X_(⌈nP⌉) at the histogram's precision; 0 when N is 0
	Low   time.Duration // X_(Ranks.Low), lowest value of its bucket; valid when Ranks.Low > 0
	High  time.Duration // X_(Ranks.High), highest value of its bucket; valid when Ranks.High > 0
	Ranks Ranks
}

// EstimateQuantile returns the p-quantile (0 < p < 1, never 0–100) of a
// latency histogram in microseconds, with its two-sided 95 % interval. The bounds are
// widened to the ends of their histogram buckets, so the histogram's
// precision never narrows the interval.
func EstimateQuantile(h *hdrhistogram.Histogram, p float64) Quantile {
	mustQuantile(p)
	q := Quantile{P: p}
	if h == nil || h.TotalCount() <= 0 {
		return q
	}
	q.N = uint64(h.TotalCount())
	q.Ranks = QuantileRanks(q.N, p, 0.95)
	v := valuesAtRanks(h, quantileRank(q.N, p), max(q.Ranks.Low, 1), max(q.Ranks.High, 1))
	q.Value = micros(v[0])
	if q.Ranks.Low > 0 {
		q.Low = micros(lowestEquivalent(h, v[1]))
	}
	if q.Ranks.High > 0 {
		q.High = micros(v[2])
	}
	return q
}

// Decide is the verdict of "quantile < target": PASS when the upper bound is
// below the target, FAIL when the lower bound is at or above it, else
// INCONCLUSIVE (including when the upper side cannot be bounded yet).
func (q Quantile) Decide(target time.Duration) Verdict {
	switch {
	case q.Ranks.High > 0 && q.High < target:
		return Pass
	case q.Ranks.Low > 0 && q.Low >= target:
		return Fail
	default:
		return Inconclusive
	}
}

// ValueAtQuantile returns the p-quantile (0 < p <= 1) of a latency histogram
// in microseconds: its ⌈np⌉-th smallest value (nearest rank), at the
// histogram's precision (highest equivalent value). 0 for an empty histogram.
func ValueAtQuantile(h *hdrhistogram.Histogram, p float64) time.Duration {
	mustQuantile(p)
	if h == nil || h.TotalCount() <= 0 {
		return 0
	}
	return micros(valuesAtRanks(h, quantileRank(uint64(h.TotalCount()), p))[0])
}

// mustQuantile panics on a quantile outside (0, 1]: 99 for 0.99 is a
// programming error that would otherwise quietly read the maximum.
func mustQuantile(p float64) {
	if !(p > 0 && p <= 1) {
		panic(fmt.Sprintf("slo: quantile %v outside (0, 1]: pass 0.99 for p99", p))
	}
}

// quantileRank is ⌈np⌉ in [1, n], forgiving the rounding of n·p just above
// an integer (100 × 0.07 = 7.000000000000001).
func quantileRank(n uint64, p float64) uint64 {
	r := float64(n) * p
	k := math.Ceil(r)
	if f := math.Floor(r); r-f <= 1e-9*r {
		k = f
	}
	return uint64(math.Min(math.Max(k, 1), float64(n)))
}

// valuesAtRanks returns the values (highest equivalent, µs) at 1-based ranks.
// hdrhistogram-go takes percentiles (0–100) and turns them back into the rank
// round(pct/100·n); 100·k/n lands on k with half a rank to spare.
func valuesAtRanks(h *hdrhistogram.Histogram, ranks ...uint64) []int64 {
	n := float64(h.TotalCount())
	pct := make([]float64, len(ranks))
	for i, k := range ranks {
		pct[i] = 100 * float64(k) / n
	}
	return h.ValueAtPercentilesSlice(pct)
}

// lowestEquivalent is the smallest value sharing v's histogram bucket. HDR
// buckets are power-of-two wide and aligned on their width, so it is v with
// its low bits cleared, for the widest mask that stays equivalent.
func lowestEquivalent(h *hdrhistogram.Histogram, v int64) int64 {
	lo := v
	for w := int64(2); w > 0 && w <= v; w <<= 1 {
		c := v &^ (w - 1)
		if !h.ValuesAreEquivalent(c, v) {
			break
		}
		lo = c
	}
	return lo
}

func micros(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
