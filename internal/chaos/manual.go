package chaos

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// InjectRecorded injects one fault outside a schedule (a game day's
// `slocheck chaos inject --state DIR`). When dir is not "", the fault is
// written to dir's state file before injecting and its outcome after, so
// `slocheck heal DIR` can undo it. A fault of the same name still recorded
// unhealed with a different spec is refused: its record would be lost.
func InjectRecorded(ctx context.Context, dir string, spec Spec, inj Injector) (Fault, error) {
	var sf *stateFile
	if dir != "" {
		var err error
		if sf, err = openState(dir); err != nil {
			return Fault{}, err
		}
		if err := sf.checkFree(spec); err != nil {
			return Fault{}, err
		}
		err = sf.update(spec.Name, func(se *StateEntry) { *se = StateEntry{Spec: spec, Status: StatusInjecting, PID: pid} })
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: not injected: %w", spec.Name, err)
		}
	}
	f, err := safeInject(ctx, inj)
	if err != nil {
		serr := sf.update(spec.Name, func(se *StateEntry) { se.Status, se.Error = StatusInjectFailed, err.Error() })
		if serr != nil {
			return Fault{}, fmt.Errorf("fault %q: %w: %w (and %w)", spec.Name, ErrInjectFailed, err, serr)
		}
		return Fault{}, fmt.Errorf("fault %q: %w: %w", spec.Name, ErrInjectFailed, err)
	}
	if f.Injected.IsZero() {
		f.Injected = time.Now()
	}
	return f, sf.update(spec.Name, func(se *StateEntry) { se.Status, se.Injected = StatusActive, f.Injected.UTC() })
}

// checkFree refuses to record spec over an unhealed fault of the same name
// with a different spec.
func (s *stateFile) checkFree(spec Spec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(spec.Name)
	if i < 0 || s.st.Faults[i].Status == StatusHealed || reflect.DeepEqual(s.st.Faults[i].Spec, spec) {
		return nil
	}
	return fmt.Errorf("fault %q is recorded %s in %s with another configuration: heal it first (slocheck heal %s) or choose another name",
		spec.Name, s.st.Faults[i].Status, s.dir, s.dir)
}
