// Package control is the plain Go logic under the JS module k6/x/slocheck:
// where the traffic goes (the edges slocheck put in the environment), which
// client region a VU plays, and fault control for scripts that drive their own
// chaos. Faults are injected and healed through contracts, never through
// slocheck's internal packages: the embedded platform's admin API (package
// adminapi) or an HTTP hook of the script's own (inject.go), so this module
// builds from a published slocheck.
package control

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"
)

// The environment slocheck gives k6 (`slocheck run --engine k6`); scripts and
// the module read it.
const (
	EnvEdges    = "SLOCHECK_EDGES"         // JSON: client region -> base URL of its edge
	EnvEdge     = "SLOCHECK_EDGE_"         // + upper-case client region: one edge's URL (overrides EnvEdges)
	EnvAdmin    = "SLOCHECK_ADMIN"         // the embedded platform's admin API
	EnvRegion   = "SLOCHECK_CLIENT_REGION" // the client region of every VU (else its scenario's tag)
	EnvRate     = "SLOCHECK_RATE"          // requests per second, all client regions together
	EnvDuration = "SLOCHECK_DURATION"      // how long to send traffic (a k6 duration: "60s")
	EnvTimeout  = "SLOCHECK_TIMEOUT"       // a request slower than this failed (a k6 duration)
	EnvWeights  = "SLOCHECK_WEIGHTS"       // JSON: client region -> weight of its traffic
)

// Config is what the module knows from the environment.
type Config struct {
	Edges   map[string]string // client region -> base URL
	Admin   string            // admin API; "" when none
	Region  string            // SLOCHECK_CLIENT_REGION; "" when unset
	Timeout time.Duration     // 0 when unset
}

// ConfigFrom reads the environment through lookup.
func ConfigFrom(lookup func(string) (string, bool)) (Config, error) {
	get := func(k string) string { v, _ := lookup(k); return v }
	c := Config{Edges: map[string]string{}, Admin: strings.TrimRight(get(EnvAdmin), "/"), Region: get(EnvRegion)}
	if raw := get(EnvEdges); raw != "" {
		if err := json.Unmarshal([]byte(raw), &c.Edges); err != nil {
			return c, fmt.Errorf("%s: want a JSON object of client region to URL: %w", EnvEdges, err)
		}
	}
	for cr := range c.Edges {
		if u, ok := lookup(EnvEdge + strings.ToUpper(cr)); ok && u != "" {
			c.Edges[cr] = u
		}
	}
	for cr, u := range c.Edges {
		c.Edges[cr] = strings.TrimRight(u, "/")
	}
	if raw := get(EnvTimeout); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvTimeout, err)
		}
		c.Timeout = d
	}
	return c, nil
}

// ClientRegions are the configured client regions, sorted.
func (c Config) ClientRegions() []string { return slices.Sorted(maps.Keys(c.Edges)) }

// Edge is the base URL of a client region's edge.
func (c Config) Edge(clientRegion string) (string, error) {
	u, ok := c.Edges[clientRegion]
	if !ok {
		return "", fmt.Errorf("no edge for client region %q (known: %s; set %s or %s%s)", clientRegion,
			strings.Join(c.ClientRegions(), ", "), EnvEdges, EnvEdge, strings.ToUpper(clientRegion))
	}
	return u, nil
}

// RegionOfSegment picks the client region of a k6 instance from its
// execution segment ("from:to", fractions of the whole test): the segment's
// start, scaled to the list of regions. Instances of a distributed run
// (--execution-segment) so play the regions in turn. "" when regions is
// empty or segment does not parse.
func RegionOfSegment(segment string, regions []string) string {
	if len(regions) == 0 {
		return ""
	}
	from := "0"
	if segment != "" {
		from, _, _ = strings.Cut(segment, ":")
	}
	r, ok := new(big.Rat).SetString(from)
	if !ok || r.Sign() < 0 {
		return ""
	}
	f, _ := r.Float64()
	return regions[min(int(f*float64(len(regions))), len(regions)-1)]
}
