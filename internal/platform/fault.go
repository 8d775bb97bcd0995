package platform

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Mode is a fault mode.
type Mode string

// The fault modes of DESIGN.md §4.
const (
	ModeDown           Mode = "down"            // the region's listener is closed: connections are refused
	ModeBlackhole      Mode = "blackhole"       // connections are accepted, requests never answered until heal
	ModeErrors         Mode = "errors"          // a ratio of requests (health probes included) answer 503
	ModeSlow           Mode = "slow"            // every request takes LatencyMS longer
	ModeReplicationCut Mode = "replication-cut" // no replication to or from the region until heal
)

// Modes lists the fault modes.
var Modes = []Mode{ModeDown, ModeBlackhole, ModeErrors, ModeSlow, ModeReplicationCut}

// Errors that Inject, Heal and ReadOrder wrap; the admin API maps them to
// HTTP statuses.
var (
	ErrUnknownRegion = errors.New("unknown region")
	ErrUnknownMode   = errors.New("unknown mode")
	ErrBadFault      = errors.New("bad fault")
	ErrFaultActive   = errors.New("another fault is active in the region")
	ErrUnavailable   = errors.New("region unavailable")
)

// Fault is one injected fault. Ratio applies to errors (nil in a request
// means 1); LatencyMS to slow.
type Fault struct {
	Region    string    `json:"region"`
	Mode      Mode      `json:"mode"`
	Ratio     *float64  `json:"ratio,omitempty"`
	LatencyMS int       `json:"latency_ms,omitempty"`
	Injected  time.Time `json:"injected,omitzero"`
}

// Name is the fault's name in events and reports: "<region>-<mode>".
func (f Fault) Name() string { return f.Region + "-" + string(f.Mode) }

// ratio is the share of requests an errors fault fails.
func (f Fault) ratio() float64 {
	if f.Ratio == nil {
		return 1
	}
	return *f.Ratio
}

// same reports whether g asks for the same fault as f (injection time aside).
func (f Fault) same(g Fault) bool {
	return f.Region == g.Region && f.Mode == g.Mode && f.ratio() == g.ratio() && f.LatencyMS == g.LatencyMS
}

// check validates f against the platform's regions.
func (f Fault) check(regions []string) error {
	if !slices.Contains(regions, f.Region) {
		return fmt.Errorf("%w %q: want one of %v", ErrUnknownRegion, f.Region, regions)
	}
	if !slices.Contains(Modes, f.Mode) {
		return fmt.Errorf("%w %q: want one of %v", ErrUnknownMode, f.Mode, Modes)
	}
	if r := f.ratio(); r < 0 || r > 1 || r != r {
		return fmt.Errorf("%w: ratio %v outside [0, 1]", ErrBadFault, r)
	}
	if f.LatencyMS < 0 {
		return fmt.Errorf("%w: latency_ms %d is negative", ErrBadFault, f.LatencyMS)
	}
	if f.Mode == ModeSlow && f.LatencyMS == 0 {
		return fmt.Errorf("%w: mode slow needs latency_ms > 0", ErrBadFault)
	}
	return nil
}
