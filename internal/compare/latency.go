package compare

import (
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// Replicates is the bootstrap's number of resamples per run.
const Replicates = 1000

// methodQuantile names the quantile rows' method in every output.
const methodQuantile = "log ratio ± 1.96 standard errors; each run's the larger of the order-statistic and the interval bootstrap's"

// slotHist is one interval's latencies in one scope: the populated buckets
// of its histogram as indexes into a shared table of bucket values, and
// their counts.
type slotHist struct {
	idx []int32 // ascending
	cnt []uint64

	n     uint64 // every count
	from  int    // the first bucket at or above the bootstrap's cut (setCut)
	below uint64 // the counts below it
}

// sampled is one run's latencies in one scope, per interval, grouped into
// strata (the spans between the run's fault injections and heals).
type sampled struct {
	strata [][]slotHist
	all    []uint64 // every interval added: counts per bucket index
}

// quantileRow compares a quantile objective by the stratified interval
// bootstrap of the package doc.
func quantileRow(row *Row, base, run Side, ro *slo.Objective, tol float64) {
	row.ChangeUnit, row.Method = unitRelative, methodQuantile
	p := quantileOf(row.Name)
	if base.Run == nil || run.Run == nil {
		row.Verdict, row.Reason = Inconclusive, "a results stream is missing: the histograms decide a quantile"
		return
	}
	keep := scopeFilter(row.Scope)
	var table valueTable
	bs, rs := slots(base.Run, keep, &table), slots(run.Run, keep, &table)
	values := table.sorted()
	bs.remap(table, values)
	rs.remap(table, values)
	qb, qr := quantile(bs.all, values, p), quantile(rs.all, values, p)
	if qb <= 0 || qr <= 0 {
		row.Verdict, row.Reason = Inconclusive, "no successful requests in "+row.Scope+" on one side"
		return
	}
	rng := rand.New(rand.NewPCG(seed(row.Scope), 0x510c5eed))
	bo, ro2 := bs.orderStatSE(values, p), rs.orderStatSE(values, p)
	bb, rb := bs.bootstrapSE(rng, values, p), rs.bootstrapSE(rng, values, p)
	d, half := math.Log(qr/qb), z95*math.Hypot(math.Max(bo, bb), math.Max(ro2, rb))
	judge(row, interval{change: qr/qb - 1, lo: math.Exp(d-half) - 1, hi: math.Exp(d+half) - 1}, tol, true)
	// Uneven: whole seconds varied well beyond what the request count
	// explains; excuseLate asks whether the rig was late in them.
	uneven := bb > unevenFactor*bo || rb > unevenFactor*ro2
	excuseLate(row, base.Run, run.Run, qb, qr, tol, uneven)
}

// unevenFactor is how many times the order-statistic standard error the
// bootstrap's must be for a run's seconds to count as uneven: the
// bootstrap's own error over 20 seconds is about a sixth, so 1.5 is three
// of them.
const unevenFactor = 1.5

// quantileOf is the quantile an objective name stands for: 0.99 for "p99".
func quantileOf(name string) float64 {
	var v float64
	if f, err := strconv.ParseFloat(strings.TrimPrefix(name, "p"), 64); err == nil {
		v = f / 100
	}
	if !(v > 0 && v < 1) {
		v = 0.99
	}
	return v
}

// scopeFilter selects a quantile scope's intervals: all for "overall", one
// client region's for "region:<name>", one step's for "step:<name>".
func scopeFilter(scope string) func(*results.Interval) bool {
	if r, ok := strings.CutPrefix(scope, "region:"); ok {
		return func(iv *results.Interval) bool { return iv.ClientRegion == r }
	}
	if s, ok := strings.CutPrefix(scope, "step:"); ok {
		return func(iv *results.Interval) bool { return iv.Step == s }
	}
	return func(*results.Interval) bool { return true }
}

// slots reads run's intervals in one scope into per-interval bucket counts,
// filed by stratum; bucket values go into table.
func slots(run *results.Run, keep func(*results.Interval) bool, table *valueTable) *sampled {
	step := run.Header.Interval.Std()
	if step <= 0 {
		step = time.Second
	}
	start := run.Header.Started
	bySlot := map[int][]*results.Interval{}
	for i := range run.Intervals {
		if iv := &run.Intervals[i]; keep(iv) && iv.LatencyCount() > 0 {
			s := int(iv.Start.Sub(start) / step)
			bySlot[s] = append(bySlot[s], iv)
		}
	}
	cuts := faultCuts(run.Events)
	out := &sampled{}
	strata := map[int][]slotHist{}
	h := results.NewLatencyHistogram()
	for _, s := range slices.Sorted(maps.Keys(bySlot)) {
		h.Reset()
		for _, iv := range bySlot[s] {
			iv.AddLatencyTo(h)
		}
		mid := start.Add(time.Duration(s)*step + step/2)
		k := sort.Search(len(cuts), func(i int) bool { return cuts[i].After(mid) })
		strata[k] = append(strata[k], table.add(h))
	}
	for _, k := range slices.Sorted(maps.Keys(strata)) {
		out.strata = append(out.strata, strata[k])
	}
	return out
}

// faultCuts are the instants a run's faults were injected or healed, in order.
func faultCuts(events []results.Event) []time.Time {
	var cuts []time.Time
	for _, e := range events {
		if e.Kind == results.EventFaultInjected || e.Kind == results.EventFaultHealed {
			cuts = append(cuts, e.Time)
		}
	}
	slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
	return cuts
}

func seed(scope string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(scope))
	return h.Sum64()
}

// valueTable gives each bucket value (µs, highest equivalent) an index.
type valueTable struct{ index map[int64]int32 }

// add returns h's populated buckets as a slotHist indexed by the table.
func (t *valueTable) add(h *hdrhistogram.Histogram) slotHist {
	if t.index == nil {
		t.index = map[int64]int32{}
	}
	var s slotHist
	for _, b := range h.Distribution() {
		if b.Count <= 0 {
			continue
		}
		i, ok := t.index[b.To]
		if !ok {
			i = int32(len(t.index))
			t.index[b.To] = i
		}
		s.idx = append(s.idx, i)
		s.cnt = append(s.cnt, uint64(b.Count))
	}
	return s
}

// sorted returns the table's values in increasing order.
func (t *valueTable) sorted() []int64 {
	v := make([]int64, 0, len(t.index))
	for k := range t.index {
		v = append(v, k)
	}
	slices.Sort(v)
	return v
}

// remap renumbers the slots' indexes into values' order and sums them
// into all.
func (s *sampled) remap(t valueTable, values []int64) {
	rank := make([]int32, len(values))
	for i, v := range values {
		rank[t.index[v]] = int32(i)
	}
	s.all = make([]uint64, len(values))
	for _, st := range s.strata {
		for _, sh := range st {
			for j, i := range sh.idx {
				sh.idx[j] = rank[i]
				s.all[rank[i]] += sh.cnt[j]
			}
		}
	}
}

// setCut splits every interval's buckets at index cut: the bootstrap adds
// only the buckets at or above it, and a count of those below.
func (s *sampled) setCut(cut int32) {
	for _, st := range s.strata {
		for k := range st {
			sh := &st[k]
			sh.from = sort.Search(len(sh.idx), func(j int) bool { return sh.idx[j] >= cut })
			sh.n, sh.below = 0, 0
			for j, c := range sh.cnt {
				sh.n += c
				if j < sh.from {
					sh.below += c
				}
			}
		}
	}
}

// tailCut is the index of the run's pooled quantile 1 − 10 (1 − p) (p90
// for p99): a resample's p-quantile lies above it unless the resample is
// wildly unlike the run, and then replicate counts every bucket.
func (s *sampled) tailCut(values []int64, p float64) int32 {
	var n uint64
	for _, c := range s.all {
		n += c
	}
	k := uint64(math.Ceil(float64(n) * math.Max(0, 1-10*(1-p))))
	var seen uint64
	for i, c := range s.all {
		if seen += c; seen >= max(k, 1) {
			return int32(i)
		}
	}
	return 0
}

// resampler draws bootstrap resamples of one run, reusing its buffers.
type resampler struct {
	s      *sampled
	values []int64
	cut    int32
	tail   []uint64    // counts at or above the cut
	drawn  []*slotHist // the resample's intervals
}

func newResampler(s *sampled, values []int64, p float64) *resampler {
	cut := s.tailCut(values, p)
	s.setCut(cut)
	return &resampler{s: s, values: values, cut: cut, tail: make([]uint64, len(values)-int(cut))}
}

// replicate draws one bootstrap resample (each stratum's intervals with
// replacement, as many as it has) and returns its p-quantile in µs.
func (r *resampler) replicate(rng *rand.Rand, p float64) float64 {
	clear(r.tail)
	r.drawn = r.drawn[:0]
	var n, below uint64
	for _, st := range r.s.strata {
		for range st {
			sh := &st[rng.IntN(len(st))]
			r.drawn = append(r.drawn, sh)
			n, below = n+sh.n, below+sh.below
			for j := sh.from; j < len(sh.idx); j++ {
				r.tail[sh.idx[j]-r.cut] += sh.cnt[j]
			}
		}
	}
	k := uint64(math.Max(1, math.Ceil(float64(n)*p-1e-9)))
	if k > below {
		return valueAtRank(r.tail, r.values[r.cut:], k-below)
	}
	all := make([]uint64, len(r.values))
	for _, sh := range r.drawn {
		for j, i := range sh.idx {
			all[i] += sh.cnt[j]
		}
	}
	return valueAtRank(all, r.values, k)
}

// quantile is the nearest-rank p-quantile (⌈np⌉-th smallest, as
// internal/slo takes it) of bucket counts, in µs; 0 when empty.
func quantile(counts []uint64, values []int64, p float64) float64 {
	var n uint64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0
	}
	return valueAtRank(counts, values, uint64(math.Max(1, math.Ceil(float64(n)*p-1e-9))))
}

// valueAtRank is the value (µs) of the k-th smallest latency of counts.
func valueAtRank(counts []uint64, values []int64, k uint64) float64 {
	var seen uint64
	for i, c := range counts {
		if seen += c; seen >= k {
			return float64(values[i])
		}
	}
	return float64(values[len(values)-1])
}

// z95 is the standard normal's 97.5th percentile: a two-sided 95 % interval
// is an estimate ± z95 standard errors.
const z95 = 1.959963984540054

// Each run's standard error of ln q̂ₚ is the larger of the order-statistic
// one (orderStatSE: it assumes independent requests) and the stratified
// interval bootstrap's (bootstrapSE: it resamples whole intervals, so it
// keeps the dependence of requests within a second, but has little to
// resample in a run of few intervals).

// orderStatSE is the standard error of ln q̂ₚ that the distribution-free
// order-statistic 95 % interval [L, U] implies: (ln U − ln L) / (2 z95), as
// Price and Bonett (2002) estimate a median's standard error; it needs no
// estimate of the density at the quantile.
func (s *sampled) orderStatSE(values []int64, p float64) float64 {
	var n uint64
	for _, c := range s.all {
		n += c
	}
	r := slo.QuantileRanks(n, p, 0.95)
	if r.Low == 0 || r.High == 0 {
		return math.Inf(1)
	}
	lo, hi := valueAtRank(s.all, values, r.Low), valueAtRank(s.all, values, r.High)
	return (math.Log(hi) - math.Log(lo)) / (2 * z95)
}

// bootstrapSE is the standard deviation of ln q̂ₚ over Replicates
// stratified resamples of the run's intervals.
func (s *sampled) bootstrapSE(rng *rand.Rand, values []int64, p float64) float64 {
	r := newResampler(s, values, p)
	var sum, sum2 float64
	for range Replicates {
		v := math.Log(r.replicate(rng, p))
		sum += v
		sum2 += v * v
	}
	mean := sum / Replicates
	return math.Sqrt(math.Max(0, (sum2/Replicates-mean*mean)*Replicates/(Replicates-1)))
}
