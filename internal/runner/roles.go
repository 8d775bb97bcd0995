package runner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// Role is this process's part in a run shared by several (`run --role`):
// generators send the load, a conductor runs the fault schedule, and
// `slocheck merge` makes one run of their streams. The zero Role does both,
// alone.
type Role struct {
	// Name is results.RoleGenerator, results.RoleConductor or "" (both).
	Name string
	// ClientRegions are the client regions a generator sends the traffic
	// of (empty: every one of the scenario's).
	ClientRegions []string
	// Segment is a generator's share of each of its client regions'
	// arrivals (the zero Segment: all of them).
	Segment results.Segment
	// StartAt, when set, is the instant the run's schedule counts from, the
	// same for every process of the run: the run waits for it.
	StartAt time.Time
}

// shared reports whether the process is one of several (a role or a shared start).
func (r Role) shared() bool {
	return r.Name != "" || !r.StartAt.IsZero() || len(r.ClientRegions) > 0 || !r.Segment.Whole()
}

// maxStartLate is how far in the past --start-at may be when the process
// gets there: later, it has missed its share of the start and says so.
const maxStartLate = time.Second

// check validates the role against the scenario (exit 2).
func (r Role) check(s *scenario.Scenario) error {
	usage := func(format string, a ...any) error {
		return exitcode.New(exitcode.Usage, fmt.Errorf(format, a...), "slocheck run --help")
	}
	switch r.Name {
	case "", results.RoleGenerator:
	case results.RoleConductor:
		if len(r.ClientRegions) > 0 || !r.Segment.Whole() {
			return usage("a conductor sends no load: --client-region and --segment are for --role generator")
		}
	default:
		return usage("role %q: want generator or conductor (or none: both)", r.Name)
	}
	if (len(r.ClientRegions) > 0 || !r.Segment.Whole()) && r.Name == "" {
		return usage("--client-region and --segment need --role generator")
	}
	for _, cr := range r.ClientRegions {
		if !slices.Contains(s.ClientRegions(), cr) {
			return usage("client region %q is not one of the scenario's (%s)", cr, strings.Join(s.ClientRegions(), ", "))
		}
	}
	return nil
}

// waitStart waits for StartAt and returns the run's start (now without
// StartAt).
func (r Role) waitStart(ctx context.Context) (time.Time, error) {
	if r.StartAt.IsZero() {
		return time.Now(), nil
	}
	if late := time.Since(r.StartAt); late > maxStartLate {
		return time.Time{}, exitcode.New(exitcode.Rig, fmt.Errorf("--start-at %s was %s ago: this process missed the shared start",
			r.StartAt.Format(time.RFC3339Nano), late.Round(time.Millisecond)), "give every process a --start-at far enough ahead for the slowest to start")
	}
	t := time.NewTimer(time.Until(r.StartAt))
	defer t.Stop()
	select {
	case <-t.C:
		return r.StartAt, nil
	case <-ctx.Done():
		return time.Time{}, exitcode.New(exitcode.Interrupted, fmt.Errorf("interrupted before --start-at: nothing was sent or injected"), "")
	}
}

// header records the role in the stream's header.
func (r Role) header(h *results.Header) {
	h.Role = r.Name
	switch r.Name {
	case results.RoleConductor:
		h.ClientRegions = nil
	case results.RoleGenerator:
		if len(r.ClientRegions) > 0 {
			h.ClientRegions = slices.Clone(r.ClientRegions)
		}
		if !r.Segment.Whole() {
			h.Segment = r.Segment.String()
		}
		h.Generator = "generator " + strings.Join(h.ClientRegions, "+") + " " + r.Segment.String()
	}
}

// driver gives the driver the shared start and a generator's share.
func (r Role) driver(c *driver.Config, s *scenario.Scenario) {
	c.Start = r.StartAt
	if r.Name != results.RoleGenerator {
		return
	}
	regions := r.ClientRegions
	if len(regions) == 0 {
		regions = s.ClientRegions()
	}
	c.Segments = map[string]results.Segment{}
	for _, cr := range regions {
		c.Segments[cr] = r.Segment
	}
}

// load is what sends the traffic: the driver, or for a conductor nothing.
func (r Role) load() func(context.Context, driver.Config, driver.Sink) (driver.Stats, error) {
	if r.Name == results.RoleConductor {
		return func(context.Context, driver.Config, driver.Sink) (driver.Stats, error) { return driver.Stats{}, nil }
	}
	return driver.Run
}

// schedule is the run's fault schedule. A generator injects nothing: its
// schedule holds the scenario's faults with an injector that does nothing,
// so that it reads back its own acknowledged writes around the instants the
// shared scenario schedules (the conductor's stream settles the exact ones
// at merge); it keeps no state file, so `slocheck heal` never touches them.
func (r Role) schedule(s *scenario.Scenario, tgt *target, rb *readbacker, env chaos.Env) (chaos.Schedule, error) {
	if r.Name != results.RoleGenerator {
		return schedule(s, tgt, rb, env)
	}
	var sched chaos.Schedule
	for i := range s.Faults {
		f := &s.Faults[i]
		sched = append(sched, chaos.Entry{
			Spec:     chaos.Spec{Name: f.Name, Target: f.Region, Mode: f.Mode, Kind: "scheduled"},
			Injector: rb.wrap(scheduledOnly{}, f.Name, f.Region),
			At:       f.At, For: f.For, MaxDuration: f.MaxDuration,
		})
	}
	return sched, nil
}

// stateDir is where the chaos runner keeps its state file: none for a
// generator, which injects nothing.
func (r Role) stateDir(dir string) string {
	if r.Name == results.RoleGenerator {
		return ""
	}
	return dir
}

// records reports whether the stream records a chaos runner's event: a
// generator's fault events are its schedule's, not injections.
func (r Role) records(e results.Event) bool {
	return r.Name != results.RoleGenerator || (e.Kind != results.EventFaultInjected && e.Kind != results.EventFaultHealed)
}

// scheduledOnly is a generator's injector: it marks the scheduled instants
// and injects nothing.
type scheduledOnly struct{}

var _ chaos.Injector = scheduledOnly{}

func (scheduledOnly) Inject(context.Context) (chaos.Fault, error) {
	now := time.Now()
	return chaos.Fault{Issued: now, Injected: now, Undo: "nothing: the conductor injects and heals"}, nil
}

func (scheduledOnly) Heal(context.Context) error { return nil }
