package slo

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/montanaflynn/stats"

	"github.com/slocheck/slocheck/results"
)

// exactCDF returns P(B <= k) for B ~ Binomial(n, num/den), k = 0..n, in
// exact rational arithmetic: Σ C(n,j)·num^j·(den−num)^(n−j) / den^n.
func exactCDF(n int64, num, den int64) func(k int64) *big.Rat {
	total := new(big.Int).Exp(big.NewInt(den), big.NewInt(n), nil)
	powP, powQ := make([]*big.Int, n+1), make([]*big.Int, n+1)
	powP[0], powQ[0] = big.NewInt(1), big.NewInt(1)
	for k := int64(1); k <= n; k++ {
		powP[k] = new(big.Int).Mul(powP[k-1], big.NewInt(num))
		powQ[k] = new(big.Int).Mul(powQ[k-1], big.NewInt(den-num))
	}
	sums := make([]*big.Int, n+1)
	c, sum := big.NewInt(1), new(big.Int) // c = C(n, k)
	for k := int64(0); k <= n; k++ {
		t := new(big.Int).Mul(c, powP[k])
		sum.Add(sum, t.Mul(t, powQ[n-k]))
		sums[k] = new(big.Int).Set(sum)
		c.Mul(c, big.NewInt(n-k)).Quo(c, big.NewInt(k+1))
	}
	return func(k int64) *big.Rat { return new(big.Rat).SetFrac(sums[k], total) }
}

// exactRanks applies the rule documented on Ranks with exact tails.
func exactRanks(n int64, num, den int64) (l, u int64, coverage float64) {
	cdf := exactCDF(n, num, den)
	one := big.NewRat(1, 1)
	lower := func(l int64) *big.Rat { return cdf(l - 1) }                      // P(B <= l−1)
	upper := func(u int64) *big.Rat { return new(big.Rat).Sub(one, cdf(u-1)) } // P(B >= u)
	alpha, half := big.NewRat(1, 20), big.NewRat(1, 40)
	aL, aU := half, half
	minLow, minHigh := lower(1), upper(n)
	rest := func(x *big.Rat) *big.Rat { return new(big.Rat).Sub(alpha, x) }
	switch {
	case minHigh.Cmp(half) > 0 && minHigh.Cmp(rest(minLow)) <= 0:
		aU, aL = minHigh, rest(minHigh)
	case minHigh.Cmp(half) > 0:
		aU, aL = new(big.Rat), alpha
	case minLow.Cmp(half) > 0 && minLow.Cmp(rest(minHigh)) <= 0:
		aL, aU = minLow, rest(minLow)
	case minLow.Cmp(half) > 0:
		aL, aU = new(big.Rat), alpha
	}
	cov := new(big.Rat).Set(one)
	// Both tails are monotone in the rank: search for the extreme ranks.
	if aL.Sign() > 0 {
		// Largest l in [1, n] with lower(l) <= aL: first l failing, minus one.
		l = int64(sort.Search(int(n), func(i int) bool { return lower(int64(i)+1).Cmp(aL) > 0 }))
		if l > 0 {
			cov.Sub(cov, lower(l))
		}
	}
	if aU.Sign() > 0 {
		u = int64(sort.Search(int(n), func(i int) bool { return upper(int64(i)+1).Cmp(aU) <= 0 })) + 1
		if u > n {
			u = 0
		} else {
			cov.Sub(cov, upper(u))
		}
	}
	c, _ := cov.Float64()
	return l, u, c
}

func TestQuantileRanksExact(t *testing.T) {
	tests := []struct {
		n        int64
		num, den int64 // p = num/den
	}{
		{1, 1, 2}, {5, 1, 2}, {20, 1, 2}, {100, 1, 2}, {1001, 1, 2},
		{50, 9, 10}, {1000, 19, 20},
		{100, 99, 100}, {298, 99, 100}, {299, 99, 100}, {300, 99, 100},
		{367, 99, 100}, {368, 99, 100}, {1000, 99, 100}, {1500, 999, 1000},
		{300, 1, 100}, // a low quantile: the lower side is the short one
	}
	for _, tt := range tests {
		p := float64(tt.num) / float64(tt.den)
		got := QuantileRanks(uint64(tt.n), p, 0.95)
		l, u, cov := exactRanks(tt.n, tt.num, tt.den)
		if got.Low != uint64(l) || got.High != uint64(u) {
			t.Errorf("n=%d p=%v: ranks (%d, %d), exact (%d, %d)", tt.n, p, got.Low, got.High, l, u)
		}
		if math.Abs(got.Coverage-cov) > 1e-9 {
			t.Errorf("n=%d p=%v: coverage %.12f, exact %.12f", tt.n, p, got.Coverage, cov)
		}
		if cov < 0.95 {
			t.Errorf("n=%d p=%v: exact coverage %.6f < 0.95", tt.n, p, cov)
		}
	}
}

// TestQuantileRanksP99Threshold: p99 gets an upper bound from n = 299 on
// (0.99^298 = 0.0500 > 0.05 >= 0.99^299 = 0.0495).
func TestQuantileRanksP99Threshold(t *testing.T) {
	if r := QuantileRanks(298, 0.99, 0.95); r.High != 0 {
		t.Errorf("n = 298: upper rank %d, want none", r.High)
	}
	if r := QuantileRanks(299, 0.99, 0.95); r.High != 299 {
		t.Errorf("n = 299: upper rank %d, want 299", r.High)
	}
	if got := MinSamplesToBound(0.99); got != 299 {
		t.Errorf("MinSamplesToBound(0.99) = %d, want 299", got)
	}
}

// lgammaTail sums Binomial(n, p) probabilities over [from, to], each term
// straight from log-gamma (no recurrence), stopping once terms are negligible.
func lgammaTail(n, from, to int64, p float64) float64 {
	nf := float64(n)
	term := func(k int64) float64 {
		kf := float64(k)
		a, _ := math.Lgamma(nf + 1)
		b, _ := math.Lgamma(kf + 1)
		c, _ := math.Lgamma(nf - kf + 1)
		return math.Exp(a - b - c + kf*math.Log(p) + (nf-kf)*math.Log1p(-p))
	}
	var s float64
	if float64(to) < nf*p { // a lower tail: sum downwards
		for k := to; k >= from; k-- {
			v := term(k)
			s += v
			if v < s*1e-17 {
				break
			}
		}
		return s
	}
	for k := from; k <= to; k++ {
		v := term(k)
		s += v
		if v < s*1e-17 {
			break
		}
	}
	return s
}

// TestQuantileRanksLarge checks an hour at 1,000 req/s (n = 3.6 M) against
// tails summed independently: each rank is the extreme one whose tail stays
// within 2.5 %.
func TestQuantileRanksLarge(t *testing.T) {
	const n = 3_600_000
	for _, p := range []float64{0.5, 0.99, 0.999} {
		r := QuantileRanks(n, p, 0.95)
		l, u := int64(r.Low), int64(r.High)
		if lo := lgammaTail(n, 0, l-1, p); lo > 0.025 {
			t.Errorf("p=%v: P(B <= l−1) = %.6f > 0.025", p, lo)
		}
		if lo := lgammaTail(n, 0, l, p); lo <= 0.025 {
			t.Errorf("p=%v: l = %d is not the largest: P(B <= l) = %.6f", p, l, lo)
		}
		if hi := lgammaTail(n, u, n, p); hi > 0.025 {
			t.Errorf("p=%v: P(B >= u) = %.6f > 0.025", p, hi)
		}
		if hi := lgammaTail(n, u-1, n, p); hi <= 0.025 {
			t.Errorf("p=%v: u = %d is not the smallest: P(B >= u−1) = %.6f", p, u, hi)
		}
	}
}

// samples returns n latencies in whole microseconds, log-normal around 30 ms.
func samples(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Round(math.Exp(math.Log(30_000) + 0.6*rng.NormFloat64()))
	}
	return out
}

func histogramOf(t testing.TB, xs []float64) *hdrhistogram.Histogram {
	h := results.NewLatencyHistogram()
	for _, x := range xs {
		if err := h.RecordValue(int64(x)); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// TestHistogramQuantileVsRaw: the quantile read from the histogram is the
// exact nearest-rank quantile of the raw samples (montanaflynn/stats) to
// within the histogram's precision, 3 significant digits (< 0.1 %), never
// below it; the interval's bounds enclose the exact order statistics.
func TestHistogramQuantileVsRaw(t *testing.T) {
	for _, n := range []int{299, 1000, 20_000} {
		xs := samples(n, uint64(n))
		h := histogramOf(t, xs)
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		for _, p := range []float64{0.5, 0.9, 0.99, 0.999} {
			exact, err := stats.PercentileNearestRank(xs, p*100)
			if err != nil {
				t.Fatal(err)
			}
			got := float64(ValueAtQuantile(h, p) / time.Microsecond)
			if got < exact || got > exact*1.001 {
				t.Errorf("n=%d p=%v: histogram %v µs, exact %v µs", n, p, got, exact)
			}
			q := EstimateQuantile(h, p)
			if q.Ranks.Low > 0 {
				x := sorted[q.Ranks.Low-1]
				if lo := float64(q.Low / time.Microsecond); lo > x || lo < x*0.999 {
					t.Errorf("n=%d p=%v: low %v µs, X_(%d) = %v µs", n, p, lo, q.Ranks.Low, x)
				}
			}
			if q.Ranks.High > 0 {
				x := sorted[q.Ranks.High-1]
				if hi := float64(q.High / time.Microsecond); hi < x || hi > x*1.001 {
					t.Errorf("n=%d p=%v: high %v µs, X_(%d) = %v µs", n, p, hi, q.Ranks.High, x)
				}
			}
		}
	}
}

func TestLowestEquivalent(t *testing.T) {
	h := results.NewLatencyHistogram()
	for _, v := range []int64{1, 2047, 2048, 2049, 4095, 30_001, 1_234_567, 3_599_999_999} {
		lo := lowestEquivalent(h, v)
		if !h.ValuesAreEquivalent(lo, v) || (lo > 0 && h.ValuesAreEquivalent(lo-1, v)) {
			t.Errorf("lowestEquivalent(%d) = %d is not the bucket's lowest value", v, lo)
		}
	}
}

func TestQuantileDecide(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		q    Quantile
		want Verdict
	}{
		{"interval below target", Quantile{N: 1000, Low: 90 * ms, High: 140 * ms, Ranks: Ranks{Low: 980, High: 997}}, Pass},
		{"upper bound on target", Quantile{N: 1000, Low: 90 * ms, High: 150 * ms, Ranks: Ranks{Low: 980, High: 997}}, Inconclusive},
		{"lower bound on target", Quantile{N: 1000, Low: 150 * ms, High: 300 * ms, Ranks: Ranks{Low: 980, High: 997}}, Fail},
		{"too few to bound above", Quantile{N: 100, Low: 20 * ms, Ranks: Ranks{Low: 97}}, Inconclusive},
		{"too few, yet clearly slow", Quantile{N: 100, Low: 400 * ms, Ranks: Ranks{Low: 97}}, Fail},
		{"no samples", Quantile{}, Inconclusive},
	}
	for _, tt := range tests {
		if got := tt.q.Decide(150 * ms); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestQuantileRejectsPercent(t *testing.T) {
	h := histogramOf(t, []float64{1000, 2000})
	for _, p := range []float64{99, 0, -0.5, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ValueAtQuantile(h, %v) did not panic", p)
				}
			}()
			ValueAtQuantile(h, p)
		}()
	}
	if got := ValueAtQuantile(h, 1); got != 2*time.Millisecond {
		t.Errorf("ValueAtQuantile(h, 1) = %v, want the maximum, 2ms", got)
	}
}

// TestQuantileCoverage draws 1,000 samples of 400 exponential latencies (mean
// 30 ms, so the true p99 is 30 ms × ln 100 = 138.155 ms) and checks that the
// interval, read through the histogram, covers it at least 95 % of the time:
// the exact coverage for n = 400 is QuantileRanks' Coverage; with 1,000 draws
// the observed share has a standard deviation under 0.7 %, so it must stay
// above Coverage − 3 × 0.7 %.
func TestQuantileCoverage(t *testing.T) {
	const n, trials = 400, 1000
	truth := 30 * time.Millisecond.Seconds() * math.Log(100)
	rng := rand.New(rand.NewPCG(7, 7))
	h := results.NewLatencyHistogram()
	covered := 0
	for range trials {
		h.Reset()
		for range n {
			_ = h.RecordValue(int64(math.Round(rng.ExpFloat64() * 30_000)))
		}
		q := EstimateQuantile(h, 0.99)
		if q.Ranks.Low > 0 && q.Ranks.High > 0 && q.Low.Seconds() <= truth && truth <= q.High.Seconds() {
			covered++
		}
	}
	want := QuantileRanks(n, 0.99, 0.95).Coverage
	t.Logf("covered %d of %d, exact coverage %.4f", covered, trials, want)
	if got := float64(covered) / trials; got < want-0.021 {
		t.Errorf("covered the true p99 in %.1f %% of draws, want about %.1f %%", got*100, want*100)
	}
}
