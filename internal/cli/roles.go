package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/slocheck/slocheck/internal/runner"
	"github.com/slocheck/slocheck/results"
)

// roleFlags are run's flags for a run shared by several processes.
type roleFlags struct {
	role          string
	clientRegions []string
	segment       string
	segments      int // with segmentIndex: the segment i/n:(i+1)/n (a Kubernetes Indexed Job's pods)
	segmentIndex  int
	startAt       string
}

func addRoleFlags(fl *pflag.FlagSet, f *roleFlags) {
	fl.StringVar(&f.role, "role", "", "this process's part of a run shared by several: generator (load only) or conductor (faults only); default both")
	fl.StringSliceVar(&f.clientRegions, "client-region", nil, "generator: a client region whose traffic it sends (repeatable; default all)")
	fl.StringVar(&f.segment, "segment", "", "generator: its share of each client region's arrivals, in k6's notation (0:1/2, 1/2:1)")
	fl.IntVar(&f.segments, "segments", 0, "generator: split each client region's arrivals into this many equal segments (with --segment-index)")
	fl.IntVar(&f.segmentIndex, "segment-index", 0, "generator: which of the --segments it sends, from 0 (an Indexed Job's $(JOB_COMPLETION_INDEX))")
	fl.StringVar(&f.startAt, "start-at", "", "RFC 3339 instant every process of the run starts its schedule at")
}

// injectFlags and loadFlags are what a generator and a conductor refuse.
var (
	injectFlags = []string{"fault-at", "fault-for", "fault-region", "fault-mode", "inject-cmd", "heal-cmd"}
	loadFlags   = []string{"rate", "client-region", "segment", "segments", "segment-index"}
)

// role reads the flags into the runner's Role (exit 2 on a wrong one).
func (f *roleFlags) parse(fl *pflag.FlagSet) (runner.Role, error) {
	r := runner.Role{Name: f.role, ClientRegions: f.clientRegions}
	refused := func(names []string, why string) error {
		for _, n := range names {
			if fl.Changed(n) {
				return usageErr(fmt.Errorf("--%s: %s", n, why), "slocheck run --help")
			}
		}
		return nil
	}
	var err error
	switch f.role {
	case results.RoleGenerator:
		err = refused(injectFlags, "a generator injects nothing (the conductor runs the scenario's faults)")
	case results.RoleConductor:
		err = refused(loadFlags, "a conductor sends no load (the generators do)")
	}
	if err != nil {
		return r, err
	}
	if err := f.indexedSegment(); err != nil {
		return r, err
	}
	if r.Segment, err = results.ParseSegment(f.segment); err != nil {
		return r, usageErr(fmt.Errorf("--segment: %w", err), "--segment 0:1/2 (first half), 1/2:1 (second half)")
	}
	if f.startAt != "" {
		if r.StartAt, err = time.Parse(time.RFC3339Nano, f.startAt); err != nil {
			return r, usageErr(errors.New("--start-at "+f.startAt+": want an RFC 3339 instant"), "--start-at "+time.Now().UTC().Add(time.Minute).Truncate(time.Second).Format(time.RFC3339))
		}
	}
	for _, cr := range r.ClientRegions {
		if strings.TrimSpace(cr) == "" {
			return r, usageErr(errors.New("--client-region: empty name"), "")
		}
	}
	return r, nil
}

// indexedSegment turns --segments N --segment-index I into --segment
// I/N:(I+1)/N.
func (f *roleFlags) indexedSegment() error {
	switch {
	case f.segments == 0 && f.segmentIndex == 0:
		return nil
	case f.segment != "":
		return usageErr(errors.New("--segment and --segments: give one"), "")
	case f.segments < 1 || f.segments > 1000 || f.segmentIndex < 0 || f.segmentIndex >= f.segments:
		return usageErr(fmt.Errorf("--segments %d --segment-index %d: want 1 <= segments <= 1000 and 0 <= index < segments", f.segments, f.segmentIndex), "--segments 2 --segment-index 0")
	}
	f.segment = fmt.Sprintf("%d/%d:%d/%d", f.segmentIndex, f.segments, f.segmentIndex+1, f.segments)
	return nil
}
