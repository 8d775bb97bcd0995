package results

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Merge combines the streams of several generators of one run into the Run
// one generator sending all their traffic would have written: intervals with
// the same start, client region and step add (counts add, histograms add
// bucket to bucket, so percentiles are exact to the histograms' precision and
// never averaged); failures, events, writes and read-backs interleave by
// time; identical events (several generators saw the same fault) appear once.
//
// The runs must share scenario, engine, target, interval and targets, and
// their starts must lie on one interval grid (give every generator the same
// Header.Started). The inputs are not modified. The result has a trailer only
// when every input has one.
func Merge(runs ...*Run) (*Run, error) {
	h, err := mergeHeaders(runs)
	if err != nil {
		return nil, err
	}
	out := &Run{Header: h}
	index := make(map[mergeKey]int)
	for _, r := range runs {
		for i := range r.Intervals {
			addMerged(out, index, &r.Intervals[i])
		}
		out.Events = append(out.Events, r.Events...)
		out.Failures = append(out.Failures, r.Failures...)
		out.Writes = append(out.Writes, r.Writes...)
		out.Readbacks = append(out.Readbacks, r.Readbacks...)
		out.Health = append(out.Health, r.Health...)
		out.Thresholds = append(out.Thresholds, r.Thresholds...)
		out.Lags = append(out.Lags, r.Lags...)
	}
	sortRun(out)
	out.Events = slices.CompactFunc(out.Events, sameEvent)
	out.Trailer = mergeTrailers(runs)
	return out, nil
}

type mergeKey struct {
	start        int64
	region, step string
}

func addMerged(out *Run, index map[mergeKey]int, iv *Interval) {
	key := mergeKey{iv.Start.UnixNano(), iv.ClientRegion, iv.Step}
	if i, ok := index[key]; ok {
		combine(&out.Intervals[i], iv)
		return
	}
	index[key] = len(out.Intervals)
	c := Interval{Start: iv.Start, ClientRegion: iv.ClientRegion, Step: iv.Step}
	combine(&c, iv)
	out.Intervals = append(out.Intervals, c)
}

func mergeHeaders(runs []*Run) (Header, error) {
	if len(runs) == 0 {
		return Header{}, errors.New("merge: no runs")
	}
	for _, r := range runs {
		if r == nil {
			return Header{}, errors.New("merge: a nil run")
		}
	}
	h := runs[0].Header
	h.Regions = slices.Clone(h.Regions)
	h.ClientRegions = slices.Clone(h.ClientRegions)
	h.Steps = slices.Clone(h.Steps)
	h.Versions = maps.Clone(h.Versions)
	gens := []string{}
	for _, r := range runs {
		o := r.Header
		if err := compatible(&h, &o); err != nil {
			return Header{}, fmt.Errorf("merge %s: %w", o.Generator, err)
		}
		if o.Started.Before(h.Started) {
			h.Started = o.Started
		}
		h.Regions = union(h.Regions, o.Regions)
		h.ClientRegions = union(h.ClientRegions, o.ClientRegions)
		h.Steps = union(h.Steps, o.Steps)
		for k, v := range o.Versions {
			if _, ok := h.Versions[k]; !ok {
				if h.Versions == nil {
					h.Versions = map[string]string{}
				}
				h.Versions[k] = v
			}
		}
		if o.Generator != "" && !slices.Contains(gens, o.Generator) {
			gens = append(gens, o.Generator)
		}
	}
	h.Generator = strings.Join(gens, ",")
	return h, nil
}

// compatible says why streams a and b cannot be one run's.
func compatible(a, b *Header) error {
	switch {
	case a.Scenario != b.Scenario:
		return fmt.Errorf("scenario %q is not %q", b.Scenario, a.Scenario)
	case a.Engine != b.Engine:
		return fmt.Errorf("engine %q is not %q", b.Engine, a.Engine)
	case a.Target != b.Target:
		return fmt.Errorf("target %q is not %q", b.Target, a.Target)
	case a.Interval != b.Interval:
		return fmt.Errorf("interval %v is not %v", b.Interval.Std(), a.Interval.Std())
	case a.Targets != b.Targets:
		return errors.New("targets differ")
	case a.Interval <= 0 || b.Started.Sub(a.Started)%a.Interval.Std() != 0:
		return fmt.Errorf("start %v is not on the interval grid of %v: give every generator the same start", b.Started, a.Started)
	}
	return nil
}

func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

func mergeTrailers(runs []*Run) *Trailer {
	var t Trailer
	for _, r := range runs {
		if r.Trailer == nil {
			return nil
		}
		if r.Trailer.Ended.After(t.Ended) {
			t.Ended = r.Trailer.Ended
		}
		t.Requests += r.Trailer.Requests
		if t.Reason == "" || t.Reason == "completed" {
			t.Reason = r.Trailer.Reason
		}
	}
	return &t
}

// combine adds src into dst, which owns its map and histogram afterwards:
// dst's latencies end up in dst.Packed.
func combine(dst, src *Interval) {
	for k, c := range src.Counts {
		dst.Counts[k] = addSat(dst.Counts[k], c)
	}
	dst.TooSlow = addSat(dst.TooSlow, src.TooSlow)
	if len(src.ServedBy) > 0 && dst.ServedBy == nil {
		dst.ServedBy = make(map[string]uint64, len(src.ServedBy))
	}
	for n, c := range src.ServedBy {
		dst.ServedBy[n] = addSat(dst.ServedBy[n], c)
	}
	if dst.Packed == nil {
		dst.Packed = NewPackedLatencyHistogram()
		if dst.Latency != nil {
			dst.Packed.MergeFrom(dst.Latency)
			dst.Latency = nil
		}
	}
	switch {
	case src.Packed != nil:
		dst.Packed.Merge(src.Packed)
	case src.Latency != nil:
		dst.Packed.MergeFrom(src.Latency)
	}
}

// sortRun puts every slice of r into its canonical order: by time, ties
// broken by the other fields, so the order never depends on which generator
// or worker wrote a record first.
func sortRun(r *Run) {
	completeNames(r)
	slices.SortFunc(r.Intervals, func(a, b Interval) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ClientRegion, b.ClientRegion), cmp.Compare(a.Step, b.Step))
	})
	slices.SortFunc(r.Failures, compareFailures)
	slices.SortFunc(r.Events, compareEvents)
	slices.SortFunc(r.Writes, func(a, b AckedWrite) int {
		return cmp.Or(a.Acked.Compare(b.Acked), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.ClientRegion, b.ClientRegion))
	})
	slices.SortFunc(r.Readbacks, func(a, b Readback) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.Phase, b.Phase), cmp.Compare(a.Fault, b.Fault), boolCompare(a.Found, b.Found))
	})
}

func compareFailures(a, b Failure) int {
	return cmp.Or(a.Time.Compare(b.Time), a.Intended.Compare(b.Intended), cmp.Compare(a.ClientRegion, b.ClientRegion),
		cmp.Compare(a.Step, b.Step), cmp.Compare(a.Err, b.Err), cmp.Compare(a.Status, b.Status))
}

func compareEvents(a, b Event) int {
	return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Fault, b.Fault),
		cmp.Compare(a.Injector, b.Injector), cmp.Compare(a.Target, b.Target), cmp.Compare(a.Mode, b.Mode),
		cmp.Compare(a.Edge, b.Edge), cmp.Compare(a.Region, b.Region), comparePtrBool(a.Healthy, b.Healthy),
		cmp.Compare(a.Detail, b.Detail))
}

func comparePtrBool(a, b *bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return boolCompare(*a, *b)
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func sameEvent(a, b Event) bool { return compareEvents(a, b) == 0 }

// completeNames adds to the header's client regions and steps every name the
// intervals and failures use that it does not list (a writer may meet names
// after writing its header).
func completeNames(r *Run) {
	add := func(list []string, name string) []string {
		if name != "" && !slices.Contains(list, name) {
			return append(list, name)
		}
		return list
	}
	for i := range r.Intervals {
		r.Header.ClientRegions = add(r.Header.ClientRegions, r.Intervals[i].ClientRegion)
		r.Header.Steps = add(r.Header.Steps, r.Intervals[i].Step)
	}
	for i := range r.Failures {
		r.Header.ClientRegions = add(r.Header.ClientRegions, r.Failures[i].ClientRegion)
		r.Header.Steps = add(r.Header.Steps, r.Failures[i].Step)
	}
}
