package slo

import (
	"time"

	"github.com/slocheck/slocheck/internal/results"
)

// The read-back phases of results.Readback.
const (
	PhaseAfterFault = "after-fault" // first read, from a surviving region
	PhaseAfterHeal  = "after-heal"  // re-read of the writes missing at the first read
)

// WriteLoss is what one fault did to the writes acknowledged before it
// (DESIGN.md §2, RPO).
type WriteLoss struct {
	Acked uint64        // writes acknowledged before the injection and read back for the fault
	Kept  uint64        // found at the first read-back
	Late  uint64        // absent at the first read-back, found after the heal
	Lost  uint64        // absent at the first read-back and not found after the heal
	RPO   time.Duration // the largest injection − ack over lost writes; 0 when none was lost
}

// ComputeRPO classifies the writes acknowledged before f's injection that
// were read back for f: a write is kept when an after-fault read found it,
// late when none did but an after-heal re-read did, lost otherwise. The RPO is
// the data-loss window those lost writes show: max(injection − ack). sole
// says f is the run's only fault, so read-backs that name no fault are its.
func ComputeRPO(f Fault, sole bool, writes []results.AckedWrite, readbacks []results.Readback) WriteLoss {
	type seen struct{ read, first, late bool }
	byID := map[string]*seen{}
	for _, rb := range readbacks {
		if rb.Fault != f.Name && (rb.Fault != "" || !sole) {
			continue
		}
		s := byID[rb.ID]
		if s == nil {
			s = &seen{}
			byID[rb.ID] = s
		}
		switch rb.Phase {
		case PhaseAfterFault:
			s.read = true
			s.first = s.first || rb.Found
		case PhaseAfterHeal:
			s.late = s.late || rb.Found
		}
	}
	var w WriteLoss
	for _, a := range writes {
		s := byID[a.ID]
		if s == nil || !s.read || !a.Acked.Before(f.Injected) {
			continue
		}
		w.Acked++
		switch {
		case s.first:
			w.Kept++
		case s.late:
			w.Late++
		default:
			w.Lost++
			w.RPO = max(w.RPO, f.Injected.Sub(a.Acked))
		}
	}
	return w
}
