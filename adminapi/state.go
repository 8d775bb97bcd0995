package adminapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

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
	Requests  uint64                 `json:"requests"` // requests the edge received since the platform started
	Failed    uint64                 `json:"failed"`   // of them, answered with a status >= 500 or 429
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
