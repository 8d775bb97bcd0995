package scenario

import (
	"math"
	"time"

	"github.com/slocheck/slocheck/internal/driver"
)

// Upper bounds of the numbers a scenario holds (issue 11: a number past its
// bound is a usage error with its file, line and field, never a panic or a run
// that outgrows the machine). The load's bounds are the driver's (one set of
// constants for the scenario, the flags and the Go API); these are the rest.
const (
	// MaxProbeInterval and MaxProbeSamples are Azure Front Door's own limits
	// (interval_in_seconds and sample_size accept 1 to 255).
	MaxProbeInterval = 255 * time.Second
	MaxProbeSamples  = 255
	// MaxReplicationLag bounds the embedded platform's replication lag.
	MaxReplicationLag = 10 * time.Minute
	// MaxHookTimeout bounds one HTTP hook request or one exec command.
	MaxHookTimeout = 10 * time.Minute
	// MaxRegions bounds the regions (each an HTTP service of the embedded
	// platform, or a read-back target), MaxClientRegions the client regions
	// (each a front-door edge and a series in every report), MaxFaults the
	// faults of one run.
	MaxRegions       = 16
	MaxClientRegions = 64
	MaxFaults        = 100
	// MaxWeight bounds a client region's or a journey's weight (weights are
	// relative: 1,000,000 to 1 is a finer split than any load can show).
	MaxWeight = 1e6
)

// atMost reports a duration above max.
func (c *checker) atMost(path string, d, max time.Duration, why string) {
	if d > max {
		c.errorf(path, "must be at most %s (%s), got %s", max, why, d)
	}
}

// rate checks a request rate: not negative, at most driver.MaxRate.
func (c *checker) rate(path string, r float64) {
	switch {
	case r < 0 || math.IsNaN(r):
		c.errorf(path, "must not be negative (requests per second), got %g", r)
	case r > driver.MaxRate:
		c.errorf(path, "must be at most %g requests per second (the bound of one generator; split a larger load over generators), got %g", driver.MaxRate, r)
	}
}

// weight checks a relative weight: from 0 to MaxWeight. what prefixes the
// message ("a weight " or "").
func (c *checker) weight(path string, w float64, what string) {
	switch {
	case !(w >= 0):
		c.errorf(path, "%smust not be negative, got %g", what, w)
	case w > MaxWeight:
		c.errorf(path, "%smust be at most %g (weights are relative), got %g", what, float64(MaxWeight), w)
	}
}

// count checks a list's length against its bound.
func (c *checker) count(path string, n, max int, what string) {
	if n > max {
		c.errorf(path, "at most %d %s, got %d", max, what, n)
	}
}

// ratio checks a share from 0 to 1.
func (c *checker) ratio(path string, v float64) {
	if !(v >= 0 && v <= 1) {
		c.errorf(path, "must be from 0 to 1, got %g", v)
	}
}

// Why each duration bound is what it is, for the messages.
const (
	whyRun     = "the longest run"
	whyRequest = "the longest request timeout"
)
