package slo

import (
	"errors"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/slocheck/slocheck/results"
)

// fold is the second pass: it adds each interval record to every scope as it
// is read, and each slot's latencies (all client regions, and each) to a
// scratch histogram until the slot's last record, when the slot's timeline
// points get their p99 and the scratch is reused. A stream in time order
// holds one slot's scratch at a time.
type fold struct {
	e       *evaluation
	last    []int // per slot: the index of its last record (ivFacts.lastBySlot)
	n       int   // records read
	open    map[int]map[string]*hdrhistogram.Histogram
	spare   []map[string]*hdrhistogram.Histogram
	regions []string // "" and the client regions
}

// aggregate reads every interval record once into the scopes' totals, the
// per-interval series and the timeline; then the failures.
func (e *evaluation) aggregate() {
	e.prepare()
	fo := &fold{e: e, last: e.facts.lastBySlot(e), open: map[int]map[string]*hdrhistogram.Histogram{},
		regions: append([]string{""}, e.regions...)}
	e.again(fo.add)
	e.addFailures()
	e.markLate()
}

// prepare makes the scopes, the series and every timeline point: per slot,
// all client regions first, then each.
func (e *evaluation) prepare() {
	e.series = Series{Start: e.start, Interval: e.interval, Requests: make([]uint64, e.slots), Failed: make([]uint64, e.slots)}
	for _, r := range append([]string{""}, e.regions...) {
		e.traffic[r] = &Traffic{Start: e.start, Interval: e.interval, Requests: make([]uint64, e.slots)}
	}
	e.failedIn, e.ownLag, e.dropsIn = map[string][]uint64{}, map[string][]uint64{"": make([]uint64, e.slots)}, make([]uint64, e.slots)
	e.col = map[string]int{"": 0}
	for i, r := range e.regions {
		e.byRegion[r] = newGroup(e.latHigh, func(iv *results.Interval) bool { return iv.ClientRegion == r })
		e.failedIn[r], e.ownLag[r] = make([]uint64, e.slots), make([]uint64, e.slots)
		e.col[r] = i + 1
	}
	for _, s := range e.steps {
		e.byStep[s] = newGroup(e.latHigh, func(iv *results.Interval) bool { return iv.Step == s })
	}
	e.timeline = make([]Point, 0, e.slots*(len(e.regions)+1))
	for slot := range e.slots {
		t := (time.Duration(slot) * e.interval).Seconds()
		e.timeline = append(e.timeline, Point{T: t})
		for _, r := range e.regions {
			e.timeline = append(e.timeline, Point{T: t, ClientRegion: r})
		}
	}
}

func (fo *fold) add(iv *results.Interval) error {
	e, slot := fo.e, fo.e.slot(iv.Start)
	if err := e.known(slot, iv); err != nil {
		return err
	}
	if iv.Requests() > 0 { // a scope without traffic is no scope
		e.addInterval(slot, iv)
		scratch := fo.scratch(slot)
		iv.AddLatencyTo(scratch[""])
		iv.AddLatencyTo(scratch[iv.ClientRegion])
	}
	if fo.last[slot] == fo.n {
		fo.close(slot)
	}
	fo.n++
	return nil
}

// scratch is the open slot's histograms, "" and per client region.
func (fo *fold) scratch(slot int) map[string]*hdrhistogram.Histogram {
	if h, ok := fo.open[slot]; ok {
		return h
	}
	var h map[string]*hdrhistogram.Histogram
	if n := len(fo.spare); n > 0 {
		h, fo.spare = fo.spare[n-1], fo.spare[:n-1]
	} else {
		h = map[string]*hdrhistogram.Histogram{}
		for _, r := range fo.regions {
			h[r] = newLatencyHistogram(fo.e.latHigh)
		}
	}
	fo.open[slot] = h
	return h
}

// close gives the slot's timeline points their p99 and frees its scratch.
func (fo *fold) close(slot int) {
	h, ok := fo.open[slot]
	if !ok {
		return
	}
	e, base := fo.e, slot*len(fo.regions)
	for i := range fo.regions {
		p := &e.timeline[base+i]
		if s := h[p.ClientRegion]; s.TotalCount() > 0 {
			p.P99S = f64(ValueAtQuantile(s, e.targets.Quantile).Seconds())
			s.Reset()
		}
	}
	delete(fo.open, slot)
	fo.spare = append(fo.spare, h)
}

// addInterval adds one interval record with requests to every scope, the
// series and its slot's timeline points.
func (e *evaluation) addInterval(slot int, iv *results.Interval) {
	e.all.add(iv, true)
	e.byRegion[iv.ClientRegion].add(iv, true)
	e.byStep[iv.Step].add(iv, true)
	n, f := iv.Requests(), iv.Failures()
	base := slot * (len(e.regions) + 1)
	for _, p := range []*Point{&e.timeline[base], &e.timeline[base+e.col[iv.ClientRegion]]} {
		p.Requests += n
		p.Failures += f
		p.addStory(iv)
	}
	e.series.Requests[slot] += n
	e.series.Failed[slot] += f
	e.traffic[""].Requests[slot] += n
	e.traffic[iv.ClientRegion].Requests[slot] += n
	e.failedIn[iv.ClientRegion][slot] += f
	own := ownLagCount(iv)
	e.ownLag[""][slot] += own
	e.ownLag[iv.ClientRegion][slot] += own
	e.dropsIn[slot] += iv.Counts[results.ErrDropped]
}

// errChanged is a later pass's error when it reads a record the first did
// not (the file was replaced between them).
var errChanged = errors.New("the results stream changed between the evaluation's passes")

// known checks that a later pass's record is one the first pass read of.
func (e *evaluation) known(slot int, iv *results.Interval) error {
	if slot >= e.slots || (iv.Requests() > 0 && (e.byRegion[iv.ClientRegion] == nil || e.byStep[iv.Step] == nil)) {
		return errChanged
	}
	return nil
}

// again runs a pass over the interval records; the first error is kept
// (Err) and ends the pass.
func (e *evaluation) again(fn func(*results.Interval) error) {
	if e.err != nil {
		return
	}
	e.err = e.each(fn)
}
