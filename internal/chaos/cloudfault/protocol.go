// Package cloudfault runs the injectors that need Kubernetes or Azure
// Resource Manager clients (kinds aks, frontdoor, chaos-studio and cosmos) in
// slocheck's companion program, slocheck-cloud, so that slocheck itself
// links neither client-go nor the ARM SDKs: every linked package's init runs
// before main, and those cost a run memory and start-up time it rarely needs.
//
// Register makes those kinds build a proxy Injector. Each Inject or Heal runs
// the companion once ("slocheck-cloud inject" or "heal"), as execfault runs
// a command: in a process group of its own, killed with it when the context
// ends, its output kept in the run directory. The companion reads a Request
// (the fault's chaos.Spec as faults.json stores it) on stdin and writes an
// Answer on stdout; its exit code says success or failure. The proxy keeps
// what the in-process injectors remember between calls (whether this fault
// injected, or refused to touch a target someone else had faulted), so the
// idempotent Inject/Heal semantics of internal/chaos hold through it.
//
// The companion is found by package companion: at $SLOCHECK_CLOUD, beside
// slocheck's executable, or in PATH, and from the same build.
package cloudfault

import (
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
)

// Kinds are the fault kinds the companion injects.
var Kinds = []string{chaos.KindAKS, chaos.KindFrontDoor, chaos.KindChaosStudio, chaos.KindCosmos}

// The companion's actions, each its subcommand.
const (
	ActionCheck  = "check"  // build the injector (checks the spec); touches nothing
	ActionInject = "inject" // inject the fault
	ActionHeal   = "heal"   // heal it
)

// Request is what the companion reads on stdin.
type Request struct {
	// Version is the build of the slocheck asking; the companion refuses
	// another build's requests.
	Version string     `json:"version"`
	Spec    chaos.Spec `json:"spec"`
	// RunDir is chaos.Env.RunDir: the run directory, or "".
	RunDir string `json:"run_dir,omitempty"`
}

// Answer is what the companion writes on stdout.
type Answer struct {
	Version string `json:"version"`         // the companion's build
	Fault   *Fault `json:"fault,omitempty"` // after a successful inject
	Error   string `json:"error,omitempty"` // why the action failed
	// Refused says the injector would not touch the target because someone
	// else had faulted it (frontdoor.ErrAlreadyDisabled and the like): a
	// heal must leave it alone.
	Refused bool `json:"refused,omitempty"`
	// AlreadyFaulted says the refused target was already in the fault's
	// state: when this fault injected it before, the inject succeeded.
	AlreadyFaulted bool `json:"already_faulted,omitempty"`
}

// Fault is chaos.Fault on the wire.
type Fault struct {
	Issued   time.Time `json:"issued"`
	Injected time.Time `json:"injected"`
	Undo     string    `json:"undo"`
}

// WireFault returns f as the companion writes it.
func WireFault(f chaos.Fault) *Fault {
	return &Fault{Issued: f.Issued, Injected: f.Injected, Undo: f.Undo}
}
