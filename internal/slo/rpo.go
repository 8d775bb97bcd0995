package slo

import (
	"time"

	"github.com/slocheck/slocheck/results"
)

// The read-back phases of results.Readback.
const (
	PhaseAfterFault = "after-fault" // first read, from a surviving region, while the fault lasts
	PhaseAfterHeal  = "after-heal"  // once the heal has settled: re-read of the absent ones
)

// DefaultReadbackLookback is the lookback of a stream whose header names none
// (streams from before it was recorded): the span those runners read back.
const DefaultReadbackLookback = 2 * time.Minute

// minLostRPO is the RPO one lost write counts at the least: a write lost
// within a millisecond of the injection (or acknowledged during the fault)
// is still data loss, and RPO 0 must mean that nothing was lost.
const minLostRPO = time.Millisecond

// WriteLoss is what one fault did to the writes at risk from it (DESIGN.md
// §2, RPO). Candidates = Kept + Late + Lost + Unread.
type WriteLoss struct {
	Candidates uint64 // acknowledged by the faulted region in [injection − lookback, heal)
	Read       uint64 // of them, read back before the heal (the first read)
	Absent     uint64 // of those read, not found by the first read
	Kept       uint64 // found by the first read (or, never read before the heal, found after it)
	Late       uint64 // absent at the first read, found after the heal
	Lost       uint64 // absent at the first read (or never read before the heal) and not found after it
	Unread     uint64 // fate unknown: never read, or absent and never re-read
	// UnreadFrom and UnreadTo are the ages, before the heal, of the newest
	// and the oldest unread write (zero when none is unread).
	UnreadFrom, UnreadTo time.Duration
	RPO                  time.Duration // max |injection − ack| over lost writes (at least 1 ms each); 0 when none
}

// readState is what the read-backs of one fault said about one write.
type readState struct {
	first, firstFound bool // a first read before the heal; whether it found the write
	again, againFound bool // an after-heal read; whether any found it
}

// ComputeRPO classifies the writes at risk from f: the candidates are the
// writes f.Target acknowledged from lookback before the injection until the
// heal (end when f was never healed). Each is
//
//   - kept: a first read (phase after-fault, answered before the heal) found it;
//   - late: the first read did not, an after-heal re-read did;
//   - lost: the first read did not and the after-heal re-read did not either;
//   - unread: no first read, or absent and never re-read, so its fate is unknown.
//
// A candidate acknowledged too close to the heal for a first read (the
// runner waits a replication allowance after each ack) is settled by an
// after-heal read alone: found, kept; not found, lost.
//
// RPO is the largest |injection − ack| over the lost writes, at least 1 ms
// each (a write acknowledged during the fault and lost is data loss too); 0
// when none was lost. sole says f is the run's only fault, so read-backs that
// name no fault are its.
func ComputeRPO(f Fault, sole bool, end time.Time, lookback time.Duration, writes []results.AckedWrite, readbacks []results.Readback) WriteLoss {
	heal := f.Healed
	if heal.IsZero() {
		heal = end
	}
	if lookback <= 0 {
		lookback = DefaultReadbackLookback
	}
	byID := readStates(f, sole, heal, readbacks)
	from := f.Injected.Add(-lookback)
	var w WriteLoss
	for _, a := range writes {
		if a.Region != f.Target || a.Acked.Before(from) || !a.Acked.Before(heal) {
			continue
		}
		w.Candidates++
		s := byID[a.ID]
		if s == nil {
			s = &readState{}
		}
		w.classify(s, f.Injected.Sub(a.Acked), heal.Sub(a.Acked))
	}
	return w
}

// readStates gathers f's read-backs by write id. A first read answered after
// the heal is not one: the heal may have brought the write back.
func readStates(f Fault, sole bool, heal time.Time, readbacks []results.Readback) map[string]*readState {
	byID := map[string]*readState{}
	for _, rb := range readbacks {
		if rb.Fault != f.Name && (rb.Fault != "" || !sole) {
			continue
		}
		s := byID[rb.ID]
		if s == nil {
			s = &readState{}
			byID[rb.ID] = s
		}
		switch rb.Phase {
		case PhaseAfterFault:
			if rb.Time.Before(heal) {
				s.first = true
				s.firstFound = s.firstFound || rb.Found
			}
		case PhaseAfterHeal:
			s.again = true
			s.againFound = s.againFound || rb.Found
		}
	}
	return byID
}

// classify counts one candidate; sinceInjection is injection − ack (negative
// for a write acknowledged during the fault), age is heal − ack.
func (w *WriteLoss) classify(s *readState, sinceInjection, age time.Duration) {
	if s.first {
		w.Read++
		if !s.firstFound {
			w.Absent++
		}
	}
	switch {
	case s.first && s.firstFound, !s.first && s.again && s.againFound:
		w.Kept++
	case s.again && s.againFound:
		w.Late++
	case s.again:
		w.Lost++
		w.RPO = max(w.RPO, sinceInjection.Abs(), minLostRPO)
	default:
		if w.Unread == 0 || age < w.UnreadFrom {
			w.UnreadFrom = age
		}
		w.UnreadTo = max(w.UnreadTo, age)
		w.Unread++
	}
}
