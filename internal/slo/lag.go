package slo

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/slocheck/slocheck/results"
)

// LagSummary is the replication-lag probe's figures for one region pair
// (report.json "replication_lag"): markers written in From, seen in To.
// Quantiles are exact order statistics of the markers seen (nearest rank);
// each is at most one probe poll above the true lag (results.Lag).
type LagSummary struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Samples int      `json:"samples"` // markers seen
	Lost    int      `json:"lost"`    // markers never seen: lost writes of the probe itself
	P50S    *float64 `json:"p50_s,omitempty"`
	P99S    *float64 `json:"p99_s,omitempty"`
	MaxS    *float64 `json:"max_s,omitempty"`
	// MedianResolutionS and MaxResolutionS are the typical and the widest
	// resolution of the samples (results.Lag): about one probe poll while
	// the probe kept pace; wider means the probe itself was late.
	MedianResolutionS *float64 `json:"median_resolution_s,omitempty"`
	MaxResolutionS    *float64 `json:"max_resolution_s,omitempty"`
}

// LagPoint is one region pair's largest lag among the markers written in one
// interval, and how many of them were lost (report.json "lag_timeline").
type LagPoint struct {
	T    float64  `json:"t"` // seconds since the run started: the interval of the writes
	From string   `json:"from"`
	To   string   `json:"to"`
	MaxS *float64 `json:"max_s,omitempty"`
	Lost int      `json:"lost,omitempty"`
}

type lagPair struct{ from, to string }

// LagSummaries summarizes the probe's samples per region pair, sorted by
// pair.
func LagSummaries(lags []results.Lag) []LagSummary {
	by := map[lagPair][]results.Lag{}
	for _, l := range lags {
		k := lagPair{l.From, l.To}
		by[k] = append(by[k], l)
	}
	var out []LagSummary
	for _, k := range sortedPairs(by) {
		s := LagSummary{From: k.from, To: k.to}
		var seen, res []float64
		for _, l := range by[k] {
			if l.Lost {
				s.Lost++
			} else {
				seen, res = append(seen, l.Lag.Seconds()), append(res, l.Resolution.Seconds())
			}
		}
		s.Samples = len(seen)
		if len(seen) > 0 {
			slices.Sort(seen)
			slices.Sort(res)
			s.P50S, s.P99S, s.MaxS = f64(nearestRank(seen, 0.50)), f64(nearestRank(seen, 0.99)), f64(seen[len(seen)-1])
			s.MedianResolutionS, s.MaxResolutionS = f64(nearestRank(res, 0.50)), f64(res[len(res)-1])
		}
		out = append(out, s)
	}
	return out
}

// LagTimeline is the probe's samples per region pair and interval of their
// writes, from start; sorted by pair, then time.
func LagTimeline(lags []results.Lag, start time.Time, interval time.Duration) []LagPoint {
	if interval <= 0 {
		interval = time.Second
	}
	type key struct {
		p    lagPair
		slot int64
	}
	pts := map[key]*LagPoint{}
	for _, l := range lags {
		k := key{lagPair{l.From, l.To}, int64(l.Written.Sub(start) / interval)}
		p := pts[k]
		if p == nil {
			p = &LagPoint{T: (time.Duration(k.slot) * interval).Seconds(), From: l.From, To: l.To}
			pts[k] = p
		}
		switch v := l.Lag.Seconds(); {
		case l.Lost:
			p.Lost++
		case p.MaxS == nil || v > *p.MaxS:
			p.MaxS = f64(v)
		}
	}
	out := make([]LagPoint, 0, len(pts))
	for _, p := range pts {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b LagPoint) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.T, b.T))
	})
	return out
}

// nearestRank is the p-quantile of sorted: its ⌈p·n⌉-th value.
func nearestRank(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func sortedPairs(m map[lagPair][]results.Lag) []lagPair {
	ks := make([]lagPair, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b lagPair) int { return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to)) })
	return ks
}
