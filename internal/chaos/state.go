package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// StateFileName is the state file's name in a run directory.
const StateFileName = "faults.json"

// StateSchema identifies the state file's format.
const StateSchema = "slocheck/faults/v1"

// Status is where a fault in the state file stands.
type Status string

// The statuses. Every status but StatusHealed means the fault may be in place.
const (
	StatusInjecting    Status = "injecting"     // written before Inject is called
	StatusActive       Status = "active"        // Inject succeeded
	StatusInjectFailed Status = "inject-failed" // Inject failed; it may have half-worked, so it is healed too
	StatusHealFailed   Status = "heal-failed"   // every heal attempt failed
	StatusHealed       Status = "healed"
)

// StateEntry is one fault in the state file.
type StateEntry struct {
	Spec     Spec      `json:"spec"`
	Status   Status    `json:"status"`
	PID      int       `json:"pid"` // the process that injected it
	Injected time.Time `json:"injected,omitzero"`
	Healed   time.Time `json:"healed,omitzero"`
	Updated  time.Time `json:"updated"`
	Error    string    `json:"error,omitempty"`
}

// State is the content of a run directory's faults.json.
type State struct {
	Schema string       `json:"schema"`
	Faults []StateEntry `json:"faults"`
}

// ReadState reads dir's state file. A directory without one has an empty state.
func ReadState(dir string) (State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return State{Schema: StateSchema}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("read fault state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, fmt.Errorf("read fault state %s: %w", filepath.Join(dir, StateFileName), err)
	}
	if st.Schema != StateSchema {
		return State{}, fmt.Errorf("read fault state %s: schema %q, want %q", filepath.Join(dir, StateFileName), st.Schema, StateSchema)
	}
	return st, nil
}

// stateFile keeps a run directory's faults.json up to date, one atomic
// rewrite per change.
type stateFile struct {
	mu  sync.Mutex
	dir string
	st  State
}

// openState loads dir's state file (or starts an empty one).
func openState(dir string) (*stateFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fault state: %w", err)
	}
	st, err := ReadState(dir)
	if err != nil {
		return nil, err
	}
	return &stateFile{dir: dir, st: st}, nil
}

// update changes (or adds) the entry named name and writes the file.
func (s *stateFile) update(name string, change func(*StateEntry)) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(name)
	if i < 0 {
		s.st.Faults = append(s.st.Faults, StateEntry{Spec: Spec{Name: name}})
		i = len(s.st.Faults) - 1
	}
	change(&s.st.Faults[i])
	s.st.Faults[i].Updated = time.Now().UTC()
	b, err := json.MarshalIndent(s.st, "", "  ")
	if err != nil {
		return fmt.Errorf("fault state: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(s.dir, StateFileName), append(b, '\n')); err != nil {
		return fmt.Errorf("fault state: %w", err)
	}
	return nil
}

func (s *stateFile) index(name string) int {
	for i := range s.st.Faults {
		if s.st.Faults[i].Spec.Name == name {
			return i
		}
	}
	return -1
}

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new content: write a temporary file, sync it, rename it over
// path, sync the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// HealResult is what HealDir did about one fault.
type HealResult struct {
	Spec   Spec
	Before Status // its status in the state file
	Note   string // what happened, for people
	Err    error  // nil when healed
}

// HealDir heals every fault dir's state file does not record as healed,
// rebuilding each injector from its spec, and records the outcome in the
// file. It is idempotent: a second call finds nothing to do. env.RunDir
// defaults to dir. The error wraps ErrHealFailed when any heal failed.
func HealDir(ctx context.Context, dir string, env Env, p HealPolicy) ([]HealResult, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("heal %s: %w", dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("heal %s: not a directory", dir)
	}
	sf, err := openState(dir)
	if err != nil {
		return nil, err
	}
	if env.RunDir == "" {
		env.RunDir = dir
	}
	var out []HealResult
	var errs []error
	for _, e := range sf.snapshot() {
		if e.Status == StatusHealed {
			continue
		}
		r := healEntry(ctx, e, env, p)
		out = append(out, r)
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("fault %q: %w", e.Spec.Name, r.Err))
		}
		if err := sf.update(e.Spec.Name, func(se *StateEntry) { recordHeal(se, r.Err) }); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func (s *stateFile) snapshot() []StateEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StateEntry(nil), s.st.Faults...)
}

// healEntry rebuilds and heals one fault of a state file.
func healEntry(ctx context.Context, e StateEntry, env Env, p HealPolicy) HealResult {
	r := HealResult{Spec: e.Spec, Before: e.Status}
	if e.Spec.Kind == KindInProcess || (e.Spec.Platform != nil && e.Spec.Platform.InProcess && !processAlive(e.PID)) {
		r.Note = "in-process fault: it ended with the process that injected it"
		return r
	}
	inj, err := Build(e.Spec, env)
	if err != nil {
		r.Err = fmt.Errorf("%w: %w", ErrHealFailed, err)
		r.Note = "cannot rebuild its injector"
		return r
	}
	hctx, cancel := p.HealContext(ctx)
	defer cancel()
	if r.Err = Heal(hctx, inj, p); r.Err != nil {
		r.Note = "heal failed"
		return r
	}
	r.Note = "healed"
	return r
}

// recordHeal writes a heal's outcome into a state entry.
func recordHeal(se *StateEntry, err error) {
	if err != nil {
		se.Status = StatusHealFailed
		se.Error = err.Error()
		return
	}
	if se.Status == StatusHealFailed {
		se.Error = "" // an inject error stays: it is part of the fault's story
	}
	se.Status = StatusHealed
	se.Healed = time.Now().UTC()
}
