package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/slocheck/slocheck/scenarios"
)

// DefaultName is the scenario `slocheck run` runs with no arguments.
const DefaultName = "default-failover"

// ErrUnknown is returned (wrapped) for a scenario name that is neither a
// file nor a builtin scenario.
var ErrUnknown = errors.New("unknown scenario")

// Parse reads a scenario from data, fills its defaults and validates it. name
// is the file name that messages give. On any problem it returns nil and an
// Errors holding every problem found.
func Parse(name string, data []byte) (*Scenario, error) {
	return parse(source{file: name}, data)
}

func parse(src source, data []byte) (*Scenario, error) {
	src.pos, src.flags = map[string]location{}, map[string]string{}
	s := &Scenario{src: src}
	s.setDefaults()
	errs, failed, ok := decode(data, s)
	if ok {
		s.complete()
		for _, e := range s.Validate() {
			if !failedAt(e, failed) {
				errs = append(errs, e)
			}
		}
	}
	if len(errs) > 0 {
		sortErrors(errs)
		return nil, Errors(errs)
	}
	s.resolve()
	return s, nil
}

// failedAt reports whether e is about a field (or inside a field) whose
// value could not be decoded: that problem is already reported.
func failedAt(e error, failed map[string]bool) bool {
	se, ok := e.(*Error)
	if !ok {
		return false
	}
	for p := se.Path; p != ""; p = parentPath(p) {
		if failed[p] {
			return true
		}
	}
	return false
}

// Load reads and validates the scenario file at path.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data)
}

// Builtin returns the builtin scenario name ("default-failover"; a ".yaml"
// suffix is allowed).
func Builtin(name string) (*Scenario, error) {
	name = strings.TrimSuffix(name, ".yaml")
	data, err := fs.ReadFile(scenarios.FS, name+".yaml")
	if err != nil || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("%w %q (builtin scenarios: %s)", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	return parse(source{file: path.Join("scenarios", name+".yaml"), builtin: true}, data)
}

// Default returns the scenario `slocheck run` runs with no arguments.
func Default() (*Scenario, error) { return Builtin(DefaultName) }

// Names returns the builtin scenarios' names, sorted.
func Names() []string {
	files, _ := fs.Glob(scenarios.FS, "*.yaml") // the pattern is valid
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(f, ".yaml")
	}
	sort.Strings(names)
	return names
}

// Open returns the scenario arg names: a file when one exists at that path,
// otherwise the builtin scenario of that name.
func Open(arg string) (*Scenario, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return Load(arg)
	}
	if strings.ContainsAny(arg, "/\\") || filepath.Ext(arg) == ".yml" {
		return Load(arg) // a path that does not exist: say so
	}
	s, err := Builtin(arg)
	if errors.Is(err, ErrUnknown) && filepath.Ext(arg) == ".yaml" {
		return Load(arg)
	}
	return s, err
}

// ScriptPath returns the k6 script's path: as given when absolute or set by
// a flag, otherwise relative to the scenario file's directory (for a builtin
// scenario, a path inside the embedded scenarios directory).
func (s *Scenario) ScriptPath() string {
	if s.Script == "" || filepath.IsAbs(s.Script) {
		return s.Script
	}
	if _, byFlag := s.src.flags["script"]; byFlag {
		return s.Script
	}
	if s.src.builtin {
		return path.Clean(s.Script)
	}
	return filepath.Join(filepath.Dir(s.src.file), s.Script)
}

// Warnings returns what is valid but probably not what was meant: a steady
// state too short to decide availability, a fault too short to show recovery,
// platform settings that a target makes moot.
func (s *Scenario) Warnings() []error {
	var ws []error
	need := RequestsToDecide(s.Objectives.Availability)
	if have := s.SteadyStateRequests(); have < float64(need) {
		ws = append(ws, s.src.errorAt("load",
			"steady state (outside faults and their recovery) holds about %.0f requests; deciding availability %g needs at least %d even with no failure",
			have, s.Objectives.Availability, need))
	}
	for i, f := range s.Faults {
		if f.For > 0 && f.For <= s.Objectives.StabilityWindow && f.Mode != ModeReplicationCut {
			ws = append(ws, s.src.errorAt(fieldsf(i, "for"),
				"the fault lasts %s, not longer than objectives.stability_window (%s): if it fails requests, RTO cannot show recovery before the heal",
				f.For, s.Objectives.StabilityWindow))
		}
	}
	if s.Target != nil {
		for _, field := range []string{"regions", "client_regions", "probe", "replication_lag", "unreplicated"} {
			if p := childPath("platform", field); s.src.explicit(p) {
				ws = append(ws, s.src.errorAt(p, "ignored: the scenario has a target, so no embedded platform runs"))
			}
		}
	}
	sortErrors(ws)
	return ws
}
