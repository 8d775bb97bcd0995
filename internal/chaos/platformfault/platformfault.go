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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
)

// DefaultTimeout bounds each admin request when the spec gives none.
const DefaultTimeout = 5 * time.Second

// Modes are the fault modes the platform knows (DESIGN.md §4).
var Modes = []string{"down", "blackhole", "errors", "slow", "replication-cut"}

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
	if spec.Region == "" {
		return nil, errors.New("platform fault: region is empty")
	}
	if spec.Ratio < 0 || spec.Ratio > 1 {
		return nil, fmt.Errorf("platform fault: ratio %v outside [0, 1]", spec.Ratio)
	}
	if spec.LatencyMS < 0 {
		return nil, fmt.Errorf("platform fault: latency %d ms is negative", spec.LatencyMS)
	}
	c, err := NewClient(spec.Admin, spec.TokenEnv, getenv, spec.Timeout.Std())
	if err != nil {
		return nil, fmt.Errorf("platform fault: %w", err)
	}
	return &Platform{spec: spec, client: c}, nil
}

// faultBody is the admin API's fault, in and out.
type faultBody struct {
	Region    string    `json:"region"`
	Mode      string    `json:"mode"`
	Ratio     float64   `json:"ratio,omitempty"` // omitted: the platform's default, 1
	LatencyMS int       `json:"latency_ms,omitempty"`
	Injected  time.Time `json:"injected,omitzero"`
}

// Inject posts the fault. Its instant is the platform's own "injected" time,
// or the answer's arrival when the platform gives none.
func (p *Platform) Inject(ctx context.Context) (chaos.Fault, error) {
	if err := checkMode(p.spec); err != nil {
		return chaos.Fault{}, fmt.Errorf("platform fault: %w", err)
	}
	issued := time.Now()
	in := faultBody{Region: p.spec.Region, Mode: p.spec.Mode, Ratio: p.spec.Ratio, LatencyMS: p.spec.LatencyMS}
	var out faultBody
	if _, err := p.client.do(ctx, http.MethodPost, "/faults", in, &out); err != nil {
		return chaos.Fault{}, fmt.Errorf("inject %s %s: %w", p.spec.Mode, p.spec.Region, err)
	}
	injected := out.Injected
	if injected.IsZero() {
		injected = time.Now()
	}
	return chaos.Fault{Issued: issued, Injected: injected, Undo: "DELETE " + p.client.endpoint(regionPath(p.spec.Region))}, nil
}

// Heal deletes the region's fault.
func (p *Platform) Heal(ctx context.Context) error {
	if _, err := p.client.do(ctx, http.MethodDelete, regionPath(p.spec.Region), nil, nil); err != nil {
		return fmt.Errorf("heal %s: %w", p.spec.Region, err)
	}
	return nil
}

func regionPath(region string) string { return "/faults/" + url.PathEscape(region) }

func checkMode(s chaos.PlatformSpec) error {
	for _, m := range Modes {
		if s.Mode == m {
			if m == "slow" && s.LatencyMS == 0 {
				return errors.New("mode slow needs a latency")
			}
			return nil
		}
	}
	return fmt.Errorf("mode %q: want one of %s", s.Mode, strings.Join(Modes, ", "))
}

// Client speaks the platform's admin API.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// NewClient returns a client of the admin API at admin. tokenEnv, when set,
// names the environment variable (read through getenv) holding a bearer token.
func NewClient(admin, tokenEnv string, getenv func(string) string, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("admin URL %q: want an absolute http(s) URL", admin)
	}
	c := &Client{base: u, http: &http.Client{Timeout: timeout}}
	if timeout <= 0 {
		c.http.Timeout = DefaultTimeout
	}
	if tokenEnv != "" {
		if c.token = getenv(tokenEnv); c.token == "" {
			return nil, fmt.Errorf("admin token: environment variable %s is empty", tokenEnv)
		}
	}
	return c, nil
}

// State is GET /state (DESIGN.md §4): regions, their health as each edge
// sees it, active faults, edges.
type State struct {
	Regions map[string]RegionState `json:"regions"`
	Edges   map[string]EdgeState   `json:"edges"`
	Faults  []ActiveFault          `json:"faults"`
}

// ActiveFault is a fault in place on the platform.
type ActiveFault struct {
	Region    string    `json:"region"`
	Mode      string    `json:"mode"`
	Ratio     *float64  `json:"ratio,omitempty"`
	LatencyMS int       `json:"latency_ms,omitempty"`
	Injected  time.Time `json:"injected,omitzero"`
}

// RegionState is one region in State.
type RegionState struct {
	URL          string       `json:"url"`
	Fault        *ActiveFault `json:"fault,omitempty"`
	Orders       int          `json:"orders"`
	Unreplicated int          `json:"unreplicated"`
}

// EdgeState is one front door edge in State.
type EdgeState struct {
	URL       string                 `json:"url"`
	RoutingTo []string               `json:"routing_to"`
	Origins   map[string]OriginState `json:"origins"`
}

// OriginState is one origin region as one edge's health probes see it.
type OriginState struct {
	Healthy    bool      `json:"healthy"`
	Successes  int       `json:"successes"`
	SampleSize int       `json:"sample_size"`
	Required   int       `json:"required"`
	DelayMS    float64   `json:"delay_ms"`
	LastProbe  time.Time `json:"last_probe,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
}

// State returns GET /state, decoded and as the platform sent it.
func (c *Client) State(ctx context.Context) (State, json.RawMessage, error) {
	var raw json.RawMessage
	if _, err := c.do(ctx, http.MethodGet, "/state", nil, &raw); err != nil {
		return State{}, nil, fmt.Errorf("platform state: %w", err)
	}
	var st State
	if err := json.Unmarshal(raw, &st); err != nil {
		return State{}, nil, fmt.Errorf("platform state: %w", err)
	}
	return st, raw, nil
}

func (c *Client) endpoint(path string) string {
	return strings.TrimSuffix(c.base.String(), "/") + path
}

// do sends one admin request, decoding a 2xx answer into out (when not nil)
// and turning any other into an error with the API's message.
func (c *Client) do(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint(path), body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, apiMessage(b))
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// apiMessage returns the admin API's {"error": "..."} text, or the raw body.
func apiMessage(b []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return e.Error
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
