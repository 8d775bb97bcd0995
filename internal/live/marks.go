package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/slocheck/slocheck/results"
)

// Mark is POST /marks' body: a fault injected or healed by another tool (the
// Azure portal, Chaos Studio, a colleague's script), so the run measures its
// RTO, RPO read-back and budget as for its own.
type Mark struct {
	Fault  string     `json:"fault"`          // the fault's name, e.g. eastus-portal
	Phase  string     `json:"phase"`          // PhaseInjected or PhaseHealed
	Region string     `json:"region"`         // the region it hits (injected: required)
	Mode   string     `json:"mode,omitempty"` // what it does, for the report (down, blackhole, …)
	Time   *time.Time `json:"time,omitempty"` // when it happened; default: when the mark arrives
}

// The phases of a mark.
const (
	PhaseInjected = "injected"
	PhaseHealed   = "healed"
)

// Injector is the injector name marked faults carry in the stream.
const Injector = "mark"

// MaxMarkAhead is how far in this machine's future a mark's time may lie
// (another machine's clock).
const MaxMarkAhead = time.Second

// faultName is what a mark's fault may be called; compiled on first use (the
// counted repetition makes a large program; only marks need it).
var faultName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`) })

// RunInfo connects the control API's marks to a running run.
type RunInfo struct {
	Started  time.Time           // marks before it are refused
	Regions  []string            // the target's regions; empty: any region
	Reserved []string            // faults slocheck injects itself: not to be marked
	Emit     func(results.Event) // into the results stream (and the metrics, the progress line)
}

// errors of a mark, with their HTTP statuses.
var (
	errMarkInvalid  = errors.New("invalid mark")
	errMarkConflict = errors.New("mark conflicts with the run's faults")
	errNotRunning   = errors.New("the run is not recording (starting or over)")
)

// marks turns marks into fault events, one open injection per fault name.
type marks struct {
	mu      sync.Mutex
	refused string // why this run takes no marks; "" when it does
	run     *RunInfo
	open    map[string]results.Event // injected, not yet healed
	now     func() time.Time
}

func newMarks() *marks { return &marks{open: map[string]results.Event{}, now: time.Now} }

// Attach makes marks reach the run from now on.
func (s *Server) Attach(ri RunInfo) {
	s.marks.mu.Lock()
	s.marks.run = &ri
	s.marks.mu.Unlock()
}

// RefuseMarks makes every mark get 409 with reason: the run cannot measure
// a marked fault (its engine does not take them).
func (s *Server) RefuseMarks(reason string) {
	s.marks.mu.Lock()
	s.marks.refused = reason
	s.marks.mu.Unlock()
}

// Detach stops taking marks (the stream is about to close).
func (s *Server) Detach() {
	s.marks.mu.Lock()
	s.marks.run = nil
	s.marks.mu.Unlock()
}

// add checks m and emits its event.
func (k *marks) add(m Mark) (results.Event, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.refused != "" {
		return results.Event{}, fmt.Errorf("%w: %s", errMarkConflict, k.refused)
	}
	if k.run == nil {
		return results.Event{}, errNotRunning
	}
	e, err := k.event(m)
	if err != nil {
		return results.Event{}, err
	}
	if m.Phase == PhaseInjected {
		k.open[m.Fault] = e
	} else {
		delete(k.open, m.Fault)
	}
	k.run.Emit(e)
	return e, nil
}

// event validates m against the run and the open marks (k.mu held).
func (k *marks) event(m Mark) (results.Event, error) {
	if !faultName().MatchString(m.Fault) {
		return results.Event{}, fmt.Errorf("%w: fault %q: want 1 to 64 letters, digits, '.', '_' or '-'", errMarkInvalid, m.Fault)
	}
	if slices.Contains(k.run.Reserved, m.Fault) {
		return results.Event{}, fmt.Errorf("%w: fault %q is one slocheck injects itself", errMarkConflict, m.Fault)
	}
	now := k.now()
	at := now
	if m.Time != nil {
		at = *m.Time
	}
	if at.Before(k.run.Started) || at.After(now.Add(MaxMarkAhead)) {
		return results.Event{}, fmt.Errorf("%w: time %s: want between the run's start %s and now", errMarkInvalid,
			at.UTC().Format(time.RFC3339Nano), k.run.Started.UTC().Format(time.RFC3339Nano))
	}
	open, isOpen := k.open[m.Fault]
	switch m.Phase {
	case PhaseInjected:
		if isOpen {
			return results.Event{}, fmt.Errorf("%w: fault %q is already marked injected at %s", errMarkConflict, m.Fault, open.Time.UTC().Format(time.RFC3339Nano))
		}
		if len(k.run.Regions) > 0 && !slices.Contains(k.run.Regions, m.Region) {
			return results.Event{}, fmt.Errorf("%w: region %q: want one of %v", errMarkInvalid, m.Region, k.run.Regions)
		}
		return results.Event{Time: at, Kind: results.EventFaultInjected, Fault: m.Fault, Injector: Injector,
			Target: m.Region, Mode: m.Mode, Detail: "marked through the control API"}, nil
	case PhaseHealed:
		if !isOpen {
			return results.Event{}, fmt.Errorf("%w: fault %q is not marked injected", errMarkConflict, m.Fault)
		}
		if m.Region != "" && m.Region != open.Target {
			return results.Event{}, fmt.Errorf("%w: fault %q was marked injected in %q, not %q", errMarkConflict, m.Fault, open.Target, m.Region)
		}
		if at.Before(open.Time) {
			return results.Event{}, fmt.Errorf("%w: healed at %s, before its injection", errMarkInvalid, at.UTC().Format(time.RFC3339Nano))
		}
		return results.Event{Time: at, Kind: results.EventFaultHealed, Fault: m.Fault, Injector: Injector,
			Target: open.Target, Mode: open.Mode, Detail: "marked through the control API"}, nil
	}
	return results.Event{}, fmt.Errorf("%w: phase %q: want %q or %q", errMarkInvalid, m.Phase, PhaseInjected, PhaseHealed)
}

func (s *Server) postMark(w http.ResponseWriter, r *http.Request) {
	var m Mark
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		writeError(w, http.StatusBadRequest, "mark: "+err.Error()+`: want {"fault": NAME, "phase": "injected"|"healed", "region": REGION}`)
		return
	}
	e, err := s.marks.add(m)
	switch {
	case errors.Is(err, errMarkInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, errMarkConflict):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		writeJSON(w, http.StatusOK, e)
	}
}

// OpenMarks are the faults run records as marked injected (by another tool,
// through the control API) and never marked healed, in the order of their
// injection: slocheck did not inject them and cannot heal them.
func OpenMarks(run *results.Run) []results.Event {
	open := map[string]results.Event{}
	var order []string
	for _, e := range run.Events {
		if e.Injector != Injector {
			continue
		}
		switch e.Kind {
		case results.EventFaultInjected:
			if _, ok := open[e.Fault]; !ok {
				order = append(order, e.Fault)
			}
			open[e.Fault] = e
		case results.EventFaultHealed:
			delete(open, e.Fault)
		}
	}
	var out []results.Event
	for _, f := range order {
		if e, ok := open[f]; ok {
			out = append(out, e)
			delete(open, f)
		}
	}
	return out
}
