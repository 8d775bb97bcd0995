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
	first := reports[0].injected
	mf := MergedFault{Name: name}
	var lastInj, firstHeal time.Time
	for _, o := range reports {
		mf.Sources = append(mf.Sources, o.stream)
		if o.injected.Time.Before(first.Time) {
			first = o.injected
		}
		lastInj = latest(lastInj, o.injected.Time)
		if !o.healed.IsZero() {
			mf.Healed = latest(mf.Healed, o.healed)
			if firstHeal.IsZero() || o.healed.Before(firstHeal) {
				firstHeal = o.healed
			}
		}
	}
	mf.Injected = first.Time
	mf.InjectedSpread = Duration(lastInj.Sub(first.Time))
	if !mf.Healed.IsZero() {
		mf.HealedSpread = Duration(mf.Healed.Sub(firstHeal))
	}
	m.out.Events = append(m.out.Events, first)
	if !mf.Healed.IsZero() {
		m.out.Events = append(m.out.Events, Event{Time: mf.Healed, Kind: EventFaultHealed, Fault: name,
			Injector: first.Injector, Target: first.Target, Mode: first.Mode})
	}
	tol := m.opts.ClockTolerance
	for _, spread := range []struct {
		what string
		d    Duration
	}{{"injected", mf.InjectedSpread}, {"healed", mf.HealedSpread}} {
		if spread.d.Std() > tol {
			m.refusals = append(m.refusals, fmt.Errorf("%w: fault %s was %s at instants %v apart across %v, more than the clock tolerance %v: "+
				"sync the clocks of these processes (NTP), give them one --start-at, or raise --clock-tolerance",
				ErrClocksApart, name, spread.what, spread.d.Std(), mf.Sources, tol))
		}
	}
	return mf
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
