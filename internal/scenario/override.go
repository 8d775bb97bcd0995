package scenario

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// OverrideFlags are the `slocheck run` flags that replace scenario fields
// (DESIGN.md §7), by name without the dashes.
var OverrideFlags = []string{
	"duration", "rate", "target", "fault-at", "fault-for", "fault-region",
	"fault-mode", "inject-cmd", "heal-cmd", "engine", "script",
}

// Overrides are command-line values that replace a scenario's fields. A nil
// field leaves the scenario as the file has it.
type Overrides struct {
	Duration    *time.Duration // --duration: load.duration
	Rate        *float64       // --rate: a constant load.rate (drops any ramp)
	Target      *string        // --target: target.url (one URL for every client region)
	FaultAt     *time.Duration // --fault-at: the fault's at
	FaultFor    *time.Duration // --fault-for: the fault's for
	FaultRegion *string        // --fault-region: the fault's region
	FaultMode   *string        // --fault-mode: the fault's mode
	InjectCmd   *string        // --inject-cmd: makes the fault an exec fault (with --heal-cmd)
	HealCmd     *string        // --heal-cmd
	Engine      *string        // --engine
	Script      *string        // --script (relative to the working directory)
}

// Set sets the override of flag (one of OverrideFlags) from its text, as a
// command's flag loop would: fs.Visit(func(f) { o.Set(f.Name, f.Value.String()) }).
func (o *Overrides) Set(flag, value string) error {
	str := func(p **string) error { *p = &value; return nil }
	dur := func(p **time.Duration) error {
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("flag --%s: want a duration like \"20s\", got %q", flag, value)
		}
		*p = &d
		return nil
	}
	switch flag {
	case "duration":
		return dur(&o.Duration)
	case "rate":
		r, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("flag --rate: want requests per second, got %q", value)
		}
		o.Rate = &r
		return nil
	case "fault-at":
		return dur(&o.FaultAt)
	case "fault-for":
		return dur(&o.FaultFor)
	case "target":
		return str(&o.Target)
	case "fault-region":
		return str(&o.FaultRegion)
	case "fault-mode":
		return str(&o.FaultMode)
	case "inject-cmd":
		return str(&o.InjectCmd)
	case "heal-cmd":
		return str(&o.HealCmd)
	case "engine":
		return str(&o.Engine)
	case "script":
		return str(&o.Script)
	}
	return fmt.Errorf("flag --%s does not override a scenario field", flag)
}

// Apply replaces s's fields with the overrides and validates s again. Its
// problems name the flag when a flag set the field (an Errors, as Parse
// returns). After an error s is partly changed: do not run it.
func (s *Scenario) Apply(o Overrides) error {
	if s.src.flags == nil { // a Scenario built in code rather than parsed
		s.src.flags = map[string]string{}
	}
	set := func(path, flag string) { s.src.flags[path] = "--" + flag }
	if o.Duration != nil {
		s.Load.Duration = *o.Duration
		set("load.duration", "duration")
	}
	if o.Rate != nil {
		s.Load.Rate, s.Load.Ramp = *o.Rate, nil
		set("load.rate", "rate")
	}
	if o.Target != nil {
		if s.Target == nil {
			s.Target = new(Target)
			s.Target.setDefaults()
			set("target", "target")
		}
		s.Target.URL, s.Target.Edges = *o.Target, nil
		set("target.url", "target")
	}
	if o.Engine != nil {
		s.Engine = *o.Engine
		set("engine", "engine")
	}
	if o.Script != nil {
		s.Script = *o.Script
		set("script", "script")
	}
	errs := s.applyFault(o)
	s.complete()
	errs = append(errs, s.Validate()...)
	if len(errs) > 0 {
		sortErrors(errs)
		return Errors(errs)
	}
	return nil
}

// applyFault applies the fault flags to the scenario's one fault, adding it
// when the scenario has none.
func (s *Scenario) applyFault(o Overrides) []error {
	flag := o.firstFaultFlag()
	if flag == "" {
		return nil
	}
	fail := func(format string, args ...any) []error {
		return []error{&Error{File: s.src.file, Flag: "--" + flag, Msg: fmt.Sprintf(format, args...)}}
	}
	switch {
	case len(s.Faults) > 1:
		return fail("the scenario has %d faults; fault flags replace a single fault (edit the file instead)", len(s.Faults))
	case (o.InjectCmd == nil) != (o.HealCmd == nil):
		return fail("give --inject-cmd and --heal-cmd together: a fault is only injected when it can be healed")
	case len(s.Faults) == 0 && (o.FaultAt == nil || o.FaultFor == nil):
		return fail("the scenario has no fault: give --fault-at and --fault-for to add one")
	case len(s.Faults) == 0:
		var f Fault
		f.setDefaults()
		if regions := s.Regions(); len(regions) > 0 {
			f.Region = regions[0]
		}
		s.Faults = []Fault{f}
		s.src.flags["faults[0]"] = "--" + flag
	}
	s.overrideFault(o)
	return nil
}

// overrideFault sets the flags' values on the first fault. Fields that were
// derived from others (name, mode, max_duration) are derived again unless
// the file set them.
func (s *Scenario) overrideFault(o Overrides) {
	f := &s.Faults[0]
	set := func(field, flag string) { s.src.flags[fieldsf(0, field)] = "--" + flag }
	if !s.src.explicit(fieldsf(0, "name")) {
		f.Name = ""
	}
	if !s.src.explicit(fieldsf(0, "mode")) {
		f.Mode = ""
	}
	if !s.src.explicit(fieldsf(0, "max_duration")) {
		f.MaxDuration = 0
	}
	if o.InjectCmd != nil {
		exec := new(ExecHook)
		exec.setDefaults()
		exec.Inject, exec.Heal = *o.InjectCmd, *o.HealCmd
		*f = Fault{Name: f.Name, At: f.At, For: f.For, Region: f.Region, Injector: InjectorExec,
			Ratio: 1, Exec: exec, MaxDuration: f.MaxDuration, Stop: f.Stop}
		for _, field := range []string{"mode", "ratio", "latency"} {
			delete(s.src.pos, fieldsf(0, field)) // the file's values were for its own injector
		}
		set("injector", "inject-cmd")
		set("exec", "inject-cmd")
	}
	if o.FaultAt != nil {
		f.At = *o.FaultAt
		set("at", "fault-at")
	}
	if o.FaultFor != nil {
		f.For = *o.FaultFor
		set("for", "fault-for")
	}
	if o.FaultRegion != nil {
		f.Region = *o.FaultRegion
		set("region", "fault-region")
	}
	if o.FaultMode != nil {
		f.Mode = *o.FaultMode
		set("mode", "fault-mode")
	}
}

// firstFaultFlag returns the first fault flag given, "" when none is.
func (o Overrides) firstFaultFlag() string {
	given := []bool{o.FaultAt != nil, o.FaultFor != nil, o.FaultRegion != nil, o.FaultMode != nil, o.InjectCmd != nil, o.HealCmd != nil}
	names := []string{"fault-at", "fault-for", "fault-region", "fault-mode", "inject-cmd", "heal-cmd"}
	if i := slices.Index(given, true); i >= 0 {
		return names[i]
	}
	return ""
}
