// Package platformfault injects faults into the embedded platform through its
// admin HTTP API (DESIGN.md §4), so it works the same whether the platform
// runs in this process or as `slocheck platform serve` elsewhere.
//
// Inject is POST /faults {"region","mode","ratio","latency_ms"}; the platform
// answers with the fault and its exact injection time ("injected", RFC 3339),
// which becomes the fault's injection instant. Heal is DELETE /faults/{region}.
// Both are idempotent on the platform's side. An optional bearer token is read
// from the environment variable PlatformSpec.TokenEnv names, never stored.
package platformfault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slocheck/slocheck/adminapi"
	"github.com/slocheck/slocheck/internal/chaos"
)

// DefaultTimeout bounds each admin request when the spec gives none.
const DefaultTimeout = adminapi.DefaultTimeout

// Modes are the fault modes the platform knows (DESIGN.md §4).
var Modes = adminapi.Modes

// The admin API's client and state, from the public package (so that the
// k6 extension speaks the same contract without importing this one).
type (
	Client      = adminapi.Client
	State       = adminapi.State
	ActiveFault = adminapi.ActiveFault
	RegionState = adminapi.RegionState
	EdgeState   = adminapi.EdgeState
	OriginState = adminapi.OriginState
)

// Platform is a fault on one region of the embedded platform.
type Platform struct {
	spec   chaos.PlatformSpec
	client *Client
}

var _ chaos.Injector = (*Platform)(nil)

func init() {
	chaos.Register(chaos.KindPlatform, func(s chaos.Spec, env chaos.Env) (chaos.Injector, error) {
		if s.Platform == nil {
			return nil, errors.New("platform fault: no platform configuration")
		}
		return New(*s.Platform, env.Lookup)
	})
}

// New returns the fault spec describes; getenv reads the token variable.
// A heal needs only Admin and Region; Mode is checked when Inject runs.
func New(spec chaos.PlatformSpec, getenv func(string) string) (*Platform, error) {
	if err := (adminapi.Fault{Region: spec.Region, Mode: "down", Ratio: spec.Ratio, LatencyMS: spec.LatencyMS}).Check(); err != nil {
		return nil, fmt.Errorf("platform fault: %w", err)
	}
	c, err := NewClient(spec.Admin, spec.TokenEnv, getenv, spec.Timeout.Std())
	if err != nil {
		return nil, fmt.Errorf("platform fault: %w", err)
	}
	return &Platform{spec: spec, client: c}, nil
}

// Inject posts the fault. Its instant is the platform's own "injected" time,
// or the answer's arrival when the platform gives none.
func (p *Platform) Inject(ctx context.Context) (chaos.Fault, error) {
	f := adminapi.Fault{Region: p.spec.Region, Mode: p.spec.Mode, Ratio: p.spec.Ratio, LatencyMS: p.spec.LatencyMS}
	if err := f.Check(); err != nil {
		return chaos.Fault{}, fmt.Errorf("platform fault: %w", err)
	}
	issued := time.Now()
	out, err := p.client.Inject(ctx, f)
	if err != nil {
		return chaos.Fault{}, err
	}
	return chaos.Fault{Issued: issued, Injected: out.Injected, Undo: "DELETE " + p.client.Endpoint(adminapi.HealPath(p.spec.Region))}, nil
}

// Heal deletes the region's fault.
func (p *Platform) Heal(ctx context.Context) error { return p.client.Heal(ctx, p.spec.Region) }

// NewClient returns a client of the admin API at admin. tokenEnv, when set,
// names the environment variable (read through getenv) holding a bearer token.
func NewClient(admin, tokenEnv string, getenv func(string) string, timeout time.Duration) (*Client, error) {
	var token string
	if tokenEnv != "" {
		if token = getenv(tokenEnv); token == "" {
			return nil, fmt.Errorf("admin token: environment variable %s is empty", tokenEnv)
		}
	}
	return adminapi.NewClient(admin, token, timeout)
}
