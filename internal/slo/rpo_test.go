package slo

import (
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/results"
)

func TestComputeRPO(t *testing.T) {
	f := Fault{Name: "eastus-down", Injected: at(20), Healed: at(45)}
	writes := []results.AckedWrite{
		{ID: "lost-3s", Region: "eastus", Acked: at(17)},
		{ID: "lost-350ms", Region: "eastus", Acked: at(19.65)},
		{ID: "late", Region: "eastus", Acked: at(19)},
		{ID: "kept", Region: "eastus", Acked: at(18)},
		{ID: "kept-elsewhere", Region: "westeurope", Acked: at(19.9)},
		{ID: "after-injection", Region: "westeurope", Acked: at(21)}, // not the fault's to lose
		{ID: "never-read", Region: "eastus", Acked: at(10)},          // not read back: not counted
	}
	rb := func(id, phase string, found bool) results.Readback {
		return results.Readback{ID: id, Region: "westeurope", Phase: phase, Found: found, Fault: "eastus-down"}
	}
	readbacks := []results.Readback{
		rb("lost-3s", PhaseAfterFault, false), rb("lost-3s", PhaseAfterHeal, false),
		rb("lost-350ms", PhaseAfterFault, false), // no re-read recorded: still lost
		rb("late", PhaseAfterFault, false), rb("late", PhaseAfterHeal, true),
		rb("kept", PhaseAfterFault, true),
		rb("kept-elsewhere", PhaseAfterFault, true),
		rb("after-injection", PhaseAfterFault, false),
		{ID: "kept", Phase: PhaseAfterFault, Found: false, Fault: "other-fault"}, // another fault's read
	}
	want := WriteLoss{Acked: 5, Kept: 2, Late: 1, Lost: 2, RPO: 3 * time.Second}
	if got := ComputeRPO(f, false, writes, readbacks); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}

	// Read-backs that name no fault belong to the run's only fault.
	anon := []results.Readback{{ID: "lost-350ms", Phase: PhaseAfterFault}, {ID: "kept", Phase: PhaseAfterFault, Found: true}}
	if got := ComputeRPO(f, true, writes, anon); got != (WriteLoss{Acked: 2, Kept: 1, Lost: 1, RPO: 350 * time.Millisecond}) {
		t.Errorf("sole fault: got %+v", got)
	}
	if got := ComputeRPO(f, false, writes, anon); got != (WriteLoss{}) {
		t.Errorf("unnamed read-backs with several faults: got %+v, want none", got)
	}
	if got := ComputeRPO(f, true, writes, nil); got != (WriteLoss{}) {
		t.Errorf("no read-back: got %+v, want zero", got)
	}
}
