package results

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
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
//
// Merge checks nothing else: a Merger also refuses streams that claim the
// same traffic and reconciles the fault events several processes reported.
func Merge(runs ...*Run) (*Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("merge: no runs")
	}
	m := &Merger{plain: true}
	for _, r := range runs {
		if err := m.Add("", r); err != nil {
			return nil, err
		}
	}
	return m.Run()
}

type mergeKey struct {
	start        int64
	region, step string
}

// addMerged adds iv to the merged interval of its key. With own, iv's run
// is the merge's alone (MergeDirs): an interval of a new key is taken as it
// is, its histogram and map then added to, rather than copied.
func addMerged(out *Run, index map[mergeKey]int, iv *Interval, own bool) {
	key := mergeKey{iv.Start.UnixNano(), iv.ClientRegion, iv.Step}
	if i, ok := index[key]; ok {
		combine(&out.Intervals[i], iv)
		return
	}
	index[key] = len(out.Intervals)
	if own && iv.Latency == nil {
		out.Intervals = append(out.Intervals, *iv)
		return
	}
	c := Interval{Start: iv.Start, ClientRegion: iv.ClientRegion, Step: iv.Step}
	combine(&c, iv)
	out.Intervals = append(out.Intervals, c)
}

// firstHeader is the merged header's start: a copy of h that owns its
// slices and map.
func firstHeader(h Header) Header {
	h.Regions = slices.Clone(h.Regions)
	h.ClientRegions = slices.Clone(h.ClientRegions)
	h.Steps = slices.Clone(h.Steps)
	h.Versions = maps.Clone(h.Versions)
	h.Role, h.Segment, h.Merge = "", "", nil
	return h
}

// addHeader folds o into the merged header h: the earliest start, the union
// of names and versions.
func addHeader(h *Header, o *Header) {
	if o.Started.Before(h.Started) {
		h.Started = o.Started
	}
	h.Regions = union(h.Regions, o.Regions)
	h.ClientRegions = union(h.ClientRegions, o.ClientRegions)
	h.Steps = union(h.Steps, o.Steps)
	h.WriteSteps = union(h.WriteSteps, o.WriteSteps)
	for k, v := range o.Versions {
		if _, ok := h.Versions[k]; !ok {
			if h.Versions == nil {
				h.Versions = map[string]string{}
			}
			h.Versions[k] = v
		}
	}
}

// compatible says why streams a and b cannot be one run's; refusal is false
// when they cannot be added at all (another interval or grid), true when
// they could, and only the user can say they belong together (--force).
func compatible(a, b *Header) (err error, refusal bool) {
	switch {
	case a.Interval != b.Interval:
		return fmt.Errorf("interval %v is not %v", b.Interval.Std(), a.Interval.Std()), false
	case a.Interval <= 0 || b.Started.Sub(a.Started)%a.Interval.Std() != 0:
		return fmt.Errorf("start %v is not on the interval grid of %v: give every generator the same start (--start-at)", b.Started, a.Started), false
	case a.Scenario != b.Scenario:
		return fmt.Errorf("scenario %q is not %q: streams of different scenarios are not one run", b.Scenario, a.Scenario), true
	case a.Engine != b.Engine:
		return fmt.Errorf("engine %q is not %q", b.Engine, a.Engine), true
	case a.Target != b.Target:
		return fmt.Errorf("target %q is not %q", b.Target, a.Target), true
	case a.Targets != b.Targets:
		return errors.New("targets differ: the streams would be judged against different objectives"), true
	}
	return nil, false
}

func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
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
	slices.SortStableFunc(r.Lags, func(a, b Lag) int {
		return cmp.Or(a.Written.Compare(b.Written), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
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
