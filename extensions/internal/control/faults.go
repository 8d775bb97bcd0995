package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/slocheck/slocheck/adminapi"
	"github.com/slocheck/slocheck/results"
)

// Spec is a fault a script asks for: a region of the embedded platform
// (Region, Mode, through the admin API) or an HTTP hook.
type Spec struct {
	Name      string  `json:"name"`                 // default: "<region>-<mode>", or "hook"
	Region    string  `json:"region,omitempty"`     // platform faults
	Mode      string  `json:"mode,omitempty"`       // down, blackhole, errors, slow, replication-cut
	Ratio     float64 `json:"ratio,omitempty"`      // share of requests affected; default 1
	LatencyMS int     `json:"latency_ms,omitempty"` // mode slow
	Admin     string  `json:"admin,omitempty"`      // default SLOCHECK_ADMIN
	Hook      *Hook   `json:"hook,omitempty"`       // an HTTP hook instead of the platform
}

// Hook is a fault behind HTTP requests: one injects, one heals.
type Hook struct {
	InjectURL    string            `json:"inject_url"`
	InjectMethod string            `json:"inject_method,omitempty"` // default POST
	InjectBody   string            `json:"inject_body,omitempty"`
	HealURL      string            `json:"heal_url"`
	HealMethod   string            `json:"heal_method,omitempty"` // default POST
	HealBody     string            `json:"heal_body,omitempty"`
	Headers      map[string]string `json:"headers,omitempty"`
}

// ParseSpec decodes a spec from JSON, rejecting unknown fields (a typo in a
// script must not silently inject something else).
func ParseSpec(b []byte) (Spec, error) {
	var s Spec
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return s, fmt.Errorf("fault spec: %w", err)
	}
	return s, nil
}

// Faults injects and heals the faults of one k6 process; its methods are
// safe for concurrent use by every VU.
type Faults struct {
	admin  string
	getenv func(string) string

	mu     sync.Mutex
	active map[string]activeFault
}

// activeFault is an injected fault: its spec (with its name and defaults)
// and the injector that heals it.
type activeFault struct {
	inj  injector
	spec Spec
}

// NewFaults returns fault control with admin as the default admin API.
func NewFaults(admin string) *Faults {
	return &Faults{admin: admin, getenv: os.Getenv, active: map[string]activeFault{}}
}

// Inject injects the fault s describes and returns its fault-injected event
// (Time is the exact injection instant as the target reports it). Injecting
// a name that is already active injects again (idempotent on the target).
func (f *Faults) Inject(ctx context.Context, s Spec) (results.Event, error) {
	spec, inj, err := f.injector(s)
	if err != nil {
		return results.Event{}, err
	}
	at, err := inj.inject(ctx)
	if err != nil {
		return results.Event{}, fmt.Errorf("inject %s: %w", spec.Name, err)
	}
	f.mu.Lock()
	f.active[spec.Name] = activeFault{inj: inj, spec: spec}
	f.mu.Unlock()
	return event(results.EventFaultInjected, at, spec), nil
}

// Heal heals the active fault called name and returns its fault-healed
// event. Healing a name that is not active is an error: the script has a
// typo, or healed twice.
func (f *Faults) Heal(ctx context.Context, name string) (results.Event, error) {
	f.mu.Lock()
	a, ok := f.active[name]
	f.mu.Unlock()
	if !ok {
		return results.Event{}, fmt.Errorf("heal %q: no such active fault (active: %v)", name, f.Active())
	}
	if err := a.inj.heal(ctx); err != nil {
		return results.Event{}, fmt.Errorf("heal %s: %w", name, err)
	}
	f.mu.Lock()
	delete(f.active, name)
	f.mu.Unlock()
	return event(results.EventFaultHealed, time.Now(), a.spec), nil
}

// Active returns the names of the faults injected and not yet healed.
func (f *Faults) Active() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	names := make([]string, 0, len(f.active))
	for n := range f.active {
		names = append(names, n)
	}
	return names
}

// HealAll heals every active fault (the end of the test: a script must not
// leave a fault behind).
func (f *Faults) HealAll(ctx context.Context) ([]results.Event, error) {
	var evs []results.Event
	var errs []error
	for _, n := range f.Active() {
		e, err := f.Heal(ctx, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs = append(evs, e)
	}
	return evs, errors.Join(errs...)
}

// State returns the embedded platform's GET /state as JSON.
func (f *Faults) State(ctx context.Context, admin string) (json.RawMessage, error) {
	if admin == "" {
		admin = f.admin
	}
	c, err := adminapi.NewClient(admin, "", 0)
	if err != nil {
		return nil, fmt.Errorf("platform state: %w (set %s)", err, EnvAdmin)
	}
	_, raw, err := c.State(ctx)
	return raw, err
}

func event(kind results.EventKind, at time.Time, spec Spec) results.Event {
	injector, target := "platform", spec.Region
	if spec.Hook != nil {
		injector = "http"
	}
	return results.Event{Time: at, Kind: kind, Fault: spec.Name, Injector: injector, Target: target, Mode: spec.Mode,
		Detail: "from the k6 script"}
}
