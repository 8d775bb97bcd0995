package results

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// DefaultClockTolerance is how far apart the clocks of the processes of one
// run may be for their streams to merge: the same fault reported by several
// of them must agree on its instants within it. NTP keeps the nodes of a
// cluster within a few milliseconds; 100 ms is 1 % of the default RTO target
// and about one request spacing of a 10 req/s journey.
const DefaultClockTolerance = 100 * time.Millisecond

// MergeOptions configure a Merger.
type MergeOptions struct {
	// ClockTolerance bounds the spread of one fault's instants across the
	// streams that reported it; 0 means DefaultClockTolerance.
	ClockTolerance time.Duration
	// Force merges despite the refusals (other scenario, overlapping
	// segments, clocks apart); each becomes a warning in MergeInfo.
	Force bool
}

// MergeInfo says how a merged stream was made (Header.Merge, and report.json's
// "merge").
type MergeInfo struct {
	Streams        []string      `json:"streams"`         // the merged streams (their directories or generators), in the order given
	ClockTolerance Duration      `json:"clock_tolerance"` // seconds
	Forced         bool          `json:"forced,omitempty"`
	Warnings       []string      `json:"warnings,omitempty"` // the refusals --force overrode
	Faults         []MergedFault `json:"faults,omitempty"`
}

// MergedFault is one fault as the merge reconciled it from the streams that
// reported it: the earliest injection and the latest heal.
type MergedFault struct {
	Name           string    `json:"name"`
	Sources        []string  `json:"sources"` // the streams that reported it
	Injected       time.Time `json:"injected"`
	Healed         time.Time `json:"healed,omitzero"`
	InjectedSpread Duration  `json:"injected_spread"` // latest − earliest injection reported, seconds
	HealedSpread   Duration  `json:"healed_spread"`   // latest − earliest heal reported, seconds
}

// ErrClocksApart is returned (wrapped) when the streams disagree on a
// fault's instants by more than the clock tolerance.
var ErrClocksApart = errors.New("clocks further apart than the tolerance")

// ErrOtherRun is returned (wrapped) when a stream is not of the same run as
// the first (another scenario, engine, target or targets).
var ErrOtherRun = errors.New("not the same run")

// Merger merges the streams of the processes of one run (generators, a
// conductor) one at a time, so that only the merged run and the stream
// being added need be in memory. Beside what Merge does it refuses streams
// of another scenario, streams that claim the same share of a client region
// and clocks further apart than the tolerance, and it reconciles the fault
// events: the same fault reported by several streams is one fault, from the
// earliest injection to the latest heal.
type Merger struct {
	opts     MergeOptions
	plain    bool // Merge: no refusals, no reconciliation
	own      bool // MergeDirs: the added runs are the merge's to take apart
	loadSeen bool // a stream with load was added: its engine and target are the run's
	out      *Run
	index    map[mergeKey]int
	names    []string
	claims   []claim
	faults   []sourcedEvent
	gens     []string
	trailer  Trailer
	cut      bool // a stream without trailer
	refusals []error
}

// claim is the share of one client region's traffic one stream holds.
type claim struct {
	stream, region string
	seg            Segment
}

// sourcedEvent is a fault event and the stream that reported it.
type sourcedEvent struct {
	stream string
	Event
}

// NewMerger returns an empty Merger.
func NewMerger(o MergeOptions) *Merger {
	if o.ClockTolerance <= 0 {
		o.ClockTolerance = DefaultClockTolerance
	}
	return &Merger{opts: o}
}

// Add merges r, named name (its directory; "" names it by its generator).
// Its error means r cannot be added at all (nil, another interval or
// interval grid, a segment that does not parse); the refusals come from Run.
func (m *Merger) Add(name string, r *Run) error {
	if r == nil {
		return errors.New("merge: a nil run")
	}
	if name == "" {
		name = cmpOr(r.Header.Generator, fmt.Sprintf("stream %d", len(m.names)+1))
	}
	if err := m.addHeader(name, &r.Header); err != nil {
		return err
	}
	m.out.Intervals = slices.Grow(m.out.Intervals, max(0, len(r.Intervals)-len(m.out.Intervals)))
	for i := range r.Intervals {
		addMerged(m.out, m.index, &r.Intervals[i], m.own)
	}
	for _, e := range r.Events {
		if !m.plain && (e.Kind == EventFaultInjected || e.Kind == EventFaultHealed) {
			m.faults = append(m.faults, sourcedEvent{name, e})
			continue
		}
		m.out.Events = append(m.out.Events, e)
	}
	m.out.Failures = append(slices.Grow(m.out.Failures, len(r.Failures)), r.Failures...)
	m.out.Writes = append(m.out.Writes, r.Writes...)
	m.out.Readbacks = append(m.out.Readbacks, r.Readbacks...)
	m.out.Health = append(m.out.Health, r.Health...)
	m.out.Thresholds = append(m.out.Thresholds, r.Thresholds...)
	m.out.Lags = append(m.out.Lags, r.Lags...)
	m.addTrailer(r.Trailer)
	return nil
}

func (m *Merger) addHeader(name string, o *Header) error {
	if m.out == nil {
		m.out = &Run{Header: firstHeader(*o)}
		m.index = make(map[mergeKey]int)
		m.loadSeen = o.Role != RoleConductor
	} else if err, refusal := compatible(&m.out.Header, m.asLoad(o)); err != nil {
		if !refusal || m.plain {
			return fmt.Errorf("merge %s: %w", name, err)
		}
		m.refusals = append(m.refusals, fmt.Errorf("%w: %s: %w", ErrOtherRun, name, err))
	}
	addHeader(&m.out.Header, o)
	m.names = append(m.names, name)
	if o.Generator != "" && !slices.Contains(m.gens, o.Generator) {
		m.gens = append(m.gens, o.Generator)
	}
	if m.plain {
		return nil
	}
	return m.addClaims(name, o)
}

// asLoad is o as compatible compares it: a conductor sends no load, so the
// engine, target and targets it ran with are not the run's (a k6 runner's
// streams merge with the conductor of `slocheck run --role conductor`); the
// first stream with load sets them.
func (m *Merger) asLoad(o *Header) *Header {
	h := &m.out.Header
	switch {
	case o.Role == RoleConductor:
		c := *o
		c.Engine, c.Target, c.Targets = h.Engine, h.Target, h.Targets
		return &c
	case !m.loadSeen:
		m.loadSeen = true
		h.Engine, h.Target, h.Targets = o.Engine, o.Target, o.Targets
	}
	return o
}

// addClaims records the shares of traffic o's stream holds and refuses one
// that another stream holds too: merged, that traffic would count twice.
func (m *Merger) addClaims(name string, o *Header) error {
	if o.Role == RoleConductor {
		return nil // no load
	}
	seg, err := ParseSegment(o.Segment)
	if err != nil {
		return fmt.Errorf("merge %s: %w", name, err)
	}
	for _, cr := range o.ClientRegions {
		for _, c := range m.claims {
			if c.region == cr && c.seg.Overlaps(seg) {
				m.refusals = append(m.refusals, fmt.Errorf("%w: %s (segment %s) and %s (segment %s) both hold client region %s's traffic %s: "+
					"merged, it would count twice; give each generator its own --segment or --client-region",
					ErrSegmentOverlap, c.stream, c.seg, name, seg, cr, overlapOf(c.seg, seg)))
			}
		}
		m.claims = append(m.claims, claim{name, cr, seg})
	}
	return nil
}

// overlapOf names the part of [0, 1) both a and b hold.
func overlapOf(a, b Segment) string {
	af, at := a.bounds()
	bf, bt := b.bounds()
	from, to := af, at
	if bf.Cmp(af) > 0 {
		from = bf
	}
	if bt.Cmp(at) < 0 {
		to = bt
	}
	return from.RatString() + ":" + to.RatString()
}

func (m *Merger) addTrailer(t *Trailer) {
	if t == nil {
		m.cut = true
		return
	}
	if t.Ended.After(m.trailer.Ended) {
		m.trailer.Ended = t.Ended
	}
	m.trailer.Requests += t.Requests
	if m.trailer.Reason == "" || m.trailer.Reason == "completed" {
		m.trailer.Reason = t.Reason
	}
}

// Run returns the merged run. Its error lists every refusal (each wrapping
// ErrOtherRun, ErrSegmentOverlap or ErrClocksApart) unless the options force
// the merge, which then lists them in Header.Merge.Warnings.
func (m *Merger) Run() (*Run, error) {
	if m.out == nil {
		return nil, errors.New("merge: no runs")
	}
	out := m.out
	out.Header.Generator = strings.Join(m.gens, ",")
	if !m.plain {
		info := &MergeInfo{Streams: m.names, ClockTolerance: Duration(m.opts.ClockTolerance), Forced: m.opts.Force}
		info.Faults = m.reconcile()
		if len(m.refusals) > 0 && !m.opts.Force {
			return nil, fmt.Errorf("merge refused (--force merges anyway): %w", errors.Join(m.refusals...))
		}
		for _, err := range m.refusals {
			info.Warnings = append(info.Warnings, err.Error())
		}
		out.Header.Merge = info
	}
	sortRun(out)
	out.Events = slices.CompactFunc(out.Events, sameEvent)
	if !m.cut {
		t := m.trailer
		out.Trailer = &t
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// MergeDirs merges the streams of the run directories dirs (each holding
// FileName), one at a time, each named by its directory. A stream cut by a
// crash is merged with what it holds, and its *TruncatedError returned in
// cut, so that the caller can say the merged run covers less.
func MergeDirs(o MergeOptions, dirs ...string) (run *Run, cut []error, err error) {
	m := NewMerger(o)
	m.own = true
	for _, dir := range dirs {
		r, err := ReadFile(filepath.Join(dir, FileName))
		var te *TruncatedError
		switch {
		case r == nil:
			return nil, cut, err
		case errors.As(err, &te):
			cut = append(cut, err)
		}
		if err := m.Add(dir, r); err != nil {
			return nil, cut, err
		}
		// What is left of r is garbage now: collect it before the next
		// stream comes in, so that the peak holds the merged run and one
		// stream, not the garbage of several.
		r = nil
		runtime.GC()
	}
	run, err = m.Run()
	return run, cut, err
}
