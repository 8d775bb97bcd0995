package slo

import (
	"cmp"
	"errors"
	"slices"
	"time"

	"github.com/slocheck/slocheck/results"
)

// A Stream is a run read in passes, so that its evaluation needs memory for
// one interval record at a time rather than for the whole run.
// results.FileScan reads a results stream file so.
type Stream interface {
	// First reads the run once, handing fn each interval record, and returns
	// the run without its intervals (a cut stream: with a
	// *results.TruncatedError). A record is fn's for the call only.
	First(fn func(*results.Interval) error) (*results.Run, error)
	// Again hands fn the records First read, in the same order.
	Again(fn func(*results.Interval) error) error
}

// EvaluateStream is Evaluate of the run s reads: the same report, with the
// interval records folded as they are read (a first pass for what the
// judgement needs to know of them beforehand: the client regions and steps,
// the slots, the latency range; a second to add them up; a third only to
// excuse a latency FAIL by the generator's lateness). The run's header's
// InconclusiveFails counts as set in opt. A stream cut by a crash is
// evaluated as far as it goes: the report comes with the error wrapping the
// *results.TruncatedError. Any other error gives no report.
func EvaluateStream(s Stream, opt Options) (*Report, error) {
	var f ivFacts
	run, err := s.First(f.add)
	if err != nil {
		var cut *results.TruncatedError
		if run == nil || !errors.As(err, &cut) {
			return nil, err
		}
	}
	opt.InconclusiveFails = opt.InconclusiveFails || run.Header.Targets.InconclusiveFails
	e := streamEvaluation(run, &f, s.Again)
	e.aggregate()
	rep, aerr := e.report(opt)
	if aerr != nil {
		return nil, aerr
	}
	return &rep, err
}

// runStream is a Run in memory as a Stream.
type runStream struct{ run *results.Run }

func (s runStream) First(fn func(*results.Interval) error) (*results.Run, error) {
	return s.run, s.Again(fn)
}

func (s runStream) Again(fn func(*results.Interval) error) error {
	for i := range s.run.Intervals {
		if err := fn(&s.run.Intervals[i]); err != nil {
			return err
		}
	}
	return nil
}

// ivFacts is what the evaluation must know of a run's interval records
// before it adds them up, gathered by the first pass.
type ivFacts struct {
	n          int                  // records seen
	first, end time.Time            // the earliest and latest start
	latHigh    int64                // the largest latency any record holds, µs (latgeom.go)
	last       map[time.Time]int    // per start: the last record's index
	carried    map[[2]string]bool   // client regions ("r") and steps ("s") with requests
	regionAt   map[string]time.Time // a client region's first start
	stepAt     map[string]nameAt    // a step's first (start, client region)
}

// nameAt is where a name first appears in a run's intervals in their order
// (start, client region, step).
type nameAt struct {
	start  time.Time
	region string
}

func (f *ivFacts) add(iv *results.Interval) error {
	if f.n == 0 {
		f.first, f.end, f.latHigh = iv.Start, iv.Start, minLatencyHighest
		f.last, f.carried = map[time.Time]int{}, map[[2]string]bool{}
		f.regionAt, f.stepAt = map[string]time.Time{}, map[string]nameAt{}
	}
	f.first = minTime(f.first, iv.Start)
	if iv.Start.After(f.end) {
		f.end = iv.Start
	}
	f.latHigh = max(f.latHigh, latencyHighest(iv))
	f.last[iv.Start] = f.n
	f.n++
	if iv.Requests() > 0 {
		f.carried[[2]string{"r", iv.ClientRegion}], f.carried[[2]string{"s", iv.Step}] = true, true
	}
	if at, ok := f.regionAt[iv.ClientRegion]; !ok || iv.Start.Before(at) {
		f.regionAt[iv.ClientRegion] = iv.Start
	}
	here := nameAt{iv.Start, iv.ClientRegion}
	if at, ok := f.stepAt[iv.Step]; !ok || compareAt(here, at) < 0 {
		f.stepAt[iv.Step] = here
	}
	return nil
}

func compareAt(a, b nameAt) int {
	return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.region, b.region))
}

// scopes are the client regions and steps that carried requests: the
// header's, in its order, then any others the intervals name, in the order
// they first appear among the intervals sorted by start, client region and
// step (results.Read's order).
func (f *ivFacts) scopes(h *results.Header) (regions, steps []string) {
	rs := sortedNames(f.regionAt, func(a, b time.Time) int { return a.Compare(b) })
	ss := sortedNames(f.stepAt, compareAt)
	for _, r := range append(append([]string(nil), h.ClientRegions...), rs...) {
		if f.carried[[2]string{"r", r}] {
			regions = appendNew(regions, r)
		}
	}
	for _, s := range append(append([]string(nil), h.Steps...), ss...) {
		if f.carried[[2]string{"s", s}] {
			steps = appendNew(steps, s)
		}
	}
	return regions, steps
}

// sortedNames are m's names by where they first appear, then by name.
func sortedNames[T any](m map[string]T, compare func(a, b T) int) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(compare(m[a], m[b]), cmp.Compare(a, b)) })
	return names
}

// lastBySlot is, per slot, the index of its last record (-1 for none).
func (f *ivFacts) lastBySlot(e *evaluation) []int {
	out := make([]int, e.slots)
	for s := range out {
		out[s] = -1
	}
	for start, i := range f.last {
		if s := e.slot(start); s < e.slots {
			out[s] = max(out[s], i)
		}
	}
	return out
}
