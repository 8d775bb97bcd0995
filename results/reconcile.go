package results

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// occurrence is one injection of a fault as one stream reported it, with
// the heal that followed (zero when the stream saw none).
type occurrence struct {
	stream   string
	injected Event
	healed   time.Time
}

// reconcile turns the fault events of every stream into one injection and
// one heal per fault occurrence (the k-th injection of a fault name in each
// stream is the same occurrence): the earliest injection, the latest heal.
// It adds them to the merged events and records a refusal for each fault
// whose reported instants are spread wider than the clock tolerance.
func (m *Merger) reconcile() []MergedFault {
	byFault := map[string][][]occurrence{} // fault name -> occurrence k -> its reports
	var names []string
	for _, stream := range m.names {
		for name, occs := range m.occurrences(stream) {
			if _, ok := byFault[name]; !ok {
				names = append(names, name)
			}
			for k, o := range occs {
				for len(byFault[name]) <= k {
					byFault[name] = append(byFault[name], nil)
				}
				byFault[name][k] = append(byFault[name][k], o)
			}
		}
	}
	slices.Sort(names)
	var out []MergedFault
	for _, name := range names {
		for _, reports := range byFault[name] {
			out = append(out, m.reconcileOne(name, reports))
		}
	}
	slices.SortFunc(out, func(a, b MergedFault) int { return cmp.Or(a.Injected.Compare(b.Injected), cmp.Compare(a.Name, b.Name)) })
	return out
}

// occurrences pairs one stream's fault events, in time order, per fault name.
func (m *Merger) occurrences(stream string) map[string][]occurrence {
	var evs []Event
	for _, e := range m.faults {
		if e.stream == stream {
			evs = append(evs, e.Event)
		}
	}
	slices.SortStableFunc(evs, func(a, b Event) int { return a.Time.Compare(b.Time) })
	out := map[string][]occurrence{}
	for _, e := range evs {
		occs := out[e.Fault]
		switch {
		case e.Kind == EventFaultInjected:
			out[e.Fault] = append(occs, occurrence{stream: stream, injected: e})
		case len(occs) > 0 && occs[len(occs)-1].healed.IsZero():
			occs[len(occs)-1].healed = e.Time
		}
	}
	return out
}

// reconcileOne makes one fault of the reports of one occurrence.
func (m *Merger) reconcileOne(name string, reports []occurrence) MergedFault {
	mf := MergedFault{Name: name}
	var inj, heal span
	first := reports[0].injected
	for _, o := range reports {
		mf.Sources = append(mf.Sources, o.stream)
		if o.injected.Time.Before(first.Time) {
			first = o.injected
		}
		inj.add(o.injected.Time, o.stream)
		heal.add(o.healed, o.stream)
	}
	mf.Injected, mf.Healed = first.Time, heal.last
	mf.InjectedSpread, mf.HealedSpread = Duration(inj.width()), Duration(heal.width())
	m.out.Events = append(m.out.Events, first)
	if !mf.Healed.IsZero() {
		m.out.Events = append(m.out.Events, Event{Time: mf.Healed, Kind: EventFaultHealed, Fault: name,
			Injector: first.Injector, Target: first.Target, Mode: first.Mode})
	}
	for _, s := range []struct {
		what string
		sp   span
	}{{"injected", inj}, {"healed", heal}} {
		if s.sp.width() > m.opts.ClockTolerance {
			m.refusals = append(m.refusals, fmt.Errorf("%w: fault %s was %s at %s by %s and at %s by %s, %v apart, more than the clock tolerance %v: "+
				"sync the clocks of these processes (NTP), give them one --start-at, or raise --clock-tolerance",
				ErrClocksApart, name, s.what, s.sp.first.Format(timeMs), s.sp.firstBy, s.sp.last.Format(timeMs), s.sp.lastBy,
				s.sp.width(), m.opts.ClockTolerance))
		}
	}
	return mf
}

const timeMs = "15:04:05.000"

// span is the earliest and latest of the instants the streams reported.
type span struct {
	first, last     time.Time
	firstBy, lastBy string
}

func (s *span) add(t time.Time, by string) {
	if t.IsZero() {
		return
	}
	if s.first.IsZero() || t.Before(s.first) {
		s.first, s.firstBy = t, by
	}
	if t.After(s.last) || s.last.IsZero() {
		s.last, s.lastBy = t, by
	}
}

func (s *span) width() time.Duration { return s.last.Sub(s.first) }
