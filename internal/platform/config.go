package platform

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"
)

// Default probe settings: a deployment tuned for RTO < 10 s (Front Door's API
// default interval is 240 s, which would give an RTO of many minutes).
//
// Detection-time arithmetic. An origin leaves rotation when fewer than
// Required of the last SampleSize probes succeeded, so starting from a
// healthy window it takes F = SampleSize − Required + 1 consecutive failed
// probes. Probes leave an edge every Interval; a probe sent at s reaches the
// origin at s + d (d = the one-way WAN delay edge → origin) and fails when it
// arrives after the fault instant T. The first failing probe therefore leaves
// within (T − d, T − d + Interval], and the F-th one Interval·(F−1) later.
// A refused connection (down) is known one round trip after sending, a
// blackholed probe only when its Timeout expires, so the detection time
// D = (instant the origin leaves rotation) − T lies in
//
//	down:      ( d + (F−1)·Interval,            d + F·Interval ]
//	blackhole: ( (F−1)·Interval + Timeout − d,  F·Interval + Timeout − d ]
//
// With the defaults (Interval 2 s, SampleSize 4, Required 3, so F = 2; Timeout
// 1 s; d ≈ 3 ms) that is (2.0 s, 4.0 s] for down and (3.0 s, 5.0 s] for
// blackhole. A client whose request hangs on a blackholed origin sees it fail
// only at its own timeout (2 s by default), so the worst RTO is about
// 5 s + 2 s = 7 s < 10 s. An origin comes back after Required consecutive
// successful probes once its window is all failures: within
// ((Required−1)·Interval, Required·Interval] of the heal plus a round trip,
// (4 s, 6 s] with the defaults.
const (
	DefaultProbeInterval          = 2 * time.Second
	DefaultProbeSampleSize        = 4
	DefaultProbeSuccessfulSamples = 3
	DefaultProbeTimeout           = 1 * time.Second
)

// Default WAN one-way delays: a client region to its nearest region, and to
// any other (East US ↔ West Europe is about 80 ms round trip).
const (
	DefaultNearDelay = 3 * time.Millisecond
	DefaultFarDelay  = 40 * time.Millisecond
)

// DefaultReplicationLag is how long after its acknowledgement a write reaches
// the other regions.
const DefaultReplicationLag = 300 * time.Millisecond

// The shop's endpoints, as keys of Config.Service.
const (
	EndpointCatalog  = "catalog"
	EndpointProduct  = "product"
	EndpointCart     = "cart"
	EndpointCheckout = "checkout"
	EndpointOrder    = "order"
	EndpointHealth   = "health"
)

// Endpoints lists the shop's endpoints in a fixed order.
var Endpoints = []string{EndpointCatalog, EndpointProduct, EndpointCart, EndpointCheckout, EndpointOrder, EndpointHealth}

// Unreplicated says what becomes, on heal, of the writes a region had
// acknowledged but not yet replicated when it went down or was blackholed.
type Unreplicated string

const (
	// UnreplicatedLate replicates them when the region heals: they are missing
	// from the other regions during the outage and reappear after it. This is
	// the default because it is what Cosmos DB documents for accounts with
	// multiple write regions: writes are quorum-committed in their region and
	// replicated asynchronously; during a regional outage the recent ones may
	// be unavailable elsewhere, and when the outage ends Cosmos DB recovers
	// the non-replicated data with the configured conflict resolution. Only a
	// region that suffers permanent data loss loses them.
	UnreplicatedLate Unreplicated = "late"
	// UnreplicatedLost drops them for good (the region lost its data).
	UnreplicatedLost Unreplicated = "lost"
)

// ProbeSettings are a front door's health-probe settings, as Front Door's
// origin group has them.
type ProbeSettings struct {
	Interval          time.Duration // between two probes of one origin from one edge
	SampleSize        int           // probes considered
	SuccessfulSamples int           // of the last SampleSize, needed to be healthy
	Timeout           time.Duration // a probe not answered 200 within this failed
}

// FailuresToDetect is how many consecutive failed probes take a healthy
// origin out of rotation: SampleSize − SuccessfulSamples + 1.
func (p ProbeSettings) FailuresToDetect() int { return p.SampleSize - p.SuccessfulSamples + 1 }

// DetectionWindow is the interval (lo, hi] in which the detection time of a
// fault lies, for an edge whose one-way delay to the origin is oneWay (see
// the arithmetic above DefaultProbeInterval). blackhole selects the blackhole
// case (failure known at the probe timeout) over down (known one round trip
// after sending). It ignores scheduling delays, which only a test adds.
func (p ProbeSettings) DetectionWindow(blackhole bool, oneWay time.Duration) (lo, hi time.Duration) {
	f := time.Duration(p.FailuresToDetect())
	if blackhole {
		return (f-1)*p.Interval + p.Timeout - oneWay, f*p.Interval + p.Timeout - oneWay
	}
	return oneWay + (f-1)*p.Interval, oneWay + f*p.Interval
}

func (p ProbeSettings) validate() error {
	switch {
	case p.Interval <= 0:
		return fmt.Errorf("probe interval %v: must be positive", p.Interval)
	case p.SampleSize < 1:
		return fmt.Errorf("probe sample size %d: must be at least 1", p.SampleSize)
	case p.SuccessfulSamples < 1 || p.SuccessfulSamples > p.SampleSize:
		return fmt.Errorf("probe successful samples %d: must be between 1 and the sample size %d", p.SuccessfulSamples, p.SampleSize)
	case p.Timeout <= 0 || p.Timeout >= p.Interval:
		return fmt.Errorf("probe timeout %v: must be positive and shorter than the interval %v", p.Timeout, p.Interval)
	}
	return nil
}

// ServiceTime is an endpoint's service time: log-normal with this median and
// shape Sigma (0 gives the median every time). A zero Median means no delay.
type ServiceTime struct {
	Median time.Duration
	Sigma  float64
}

// Config configures the embedded platform.
type Config struct {
	Regions       []string                            // shop regions, e.g. eastus, westeurope
	ClientRegions map[string]string                   // client region (edge) → its nearest region
	WAN           map[string]map[string]time.Duration // client region → region → one-way delay; missing pairs get NearDelay / FarDelay
	NearDelay     time.Duration                       // one-way delay to a client region's nearest region, where WAN has none
	FarDelay      time.Duration                       // one-way delay to any other region, where WAN has none
	Service       map[string]ServiceTime              // endpoint (EndpointCatalog, …) → service time
	// ServiceScale multiplies every service time drawn (0 means 1): 1.2
	// makes every request's service 20 % slower, tail included, as a
	// slower build of the shop would be; with one Seed the draws are the
	// same ones, scaled.
	ServiceScale  float64
	Probe         ProbeSettings
	OriginTimeout time.Duration // an edge gives up on an origin's response after this (504)

	ReplicationLag time.Duration
	Unreplicated   Unreplicated // fate of unreplicated writes on heal

	Seed uint64 // seeds service times and error draws, so runs repeat

	// Listen addresses. Empty means 127.0.0.1 on a random port.
	AdminAddr   string
	AdminToken  string            // bearer token for the admin API; required off loopback
	EdgeAddrs   map[string]string // client region → address
	RegionAddrs map[string]string // region → address
}

// DefaultConfig returns the platform of DESIGN.md §4: eastus and westeurope,
// client regions us and eu, the default probe settings and replication lag.
func DefaultConfig() Config {
	return Config{
		Regions:        []string{"eastus", "westeurope"},
		ClientRegions:  map[string]string{"us": "eastus", "eu": "westeurope"},
		NearDelay:      DefaultNearDelay,
		FarDelay:       DefaultFarDelay,
		Service:        DefaultService(),
		Probe:          DefaultProbe(),
		OriginTimeout:  30 * time.Second,
		ReplicationLag: DefaultReplicationLag,
		Unreplicated:   UnreplicatedLate,
		Seed:           1,
	}
}

// DefaultProbe returns the default probe settings (see DefaultProbeInterval).
func DefaultProbe() ProbeSettings {
	return ProbeSettings{
		Interval:          DefaultProbeInterval,
		SampleSize:        DefaultProbeSampleSize,
		SuccessfulSamples: DefaultProbeSuccessfulSamples,
		Timeout:           DefaultProbeTimeout,
	}
}

// DefaultService returns the default service times: a few milliseconds per
// endpoint, so a nearby client's p99 stays far below 150 ms and a failed-over
// one's (80 ms of WAN added) still below it.
func DefaultService() map[string]ServiceTime {
	return map[string]ServiceTime{
		EndpointCatalog:  {Median: 4 * time.Millisecond, Sigma: 0.4},
		EndpointProduct:  {Median: 3 * time.Millisecond, Sigma: 0.4},
		EndpointCart:     {Median: 5 * time.Millisecond, Sigma: 0.4},
		EndpointCheckout: {Median: 8 * time.Millisecond, Sigma: 0.4},
		EndpointOrder:    {Median: 3 * time.Millisecond, Sigma: 0.4},
	}
}

// nameRE is compiled on first use: its counted repetition makes a program
// every start would pay for, most of them for a target of their own.
var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`) })

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid platform config")

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

func (c *Config) validate() error {
	if len(c.Regions) == 0 {
		return errors.New("no regions")
	}
	for i, r := range c.Regions {
		if !nameRE().MatchString(r) {
			return fmt.Errorf("region %q: want lowercase letters, digits and dashes", r)
		}
		if slices.Contains(c.Regions[:i], r) {
			return fmt.Errorf("region %q listed twice", r)
		}
	}
	if len(c.ClientRegions) == 0 {
		return errors.New("no client regions")
	}
	for cr, near := range c.ClientRegions {
		if !nameRE().MatchString(cr) {
			return fmt.Errorf("client region %q: want lowercase letters, digits and dashes", cr)
		}
		if !slices.Contains(c.Regions, near) {
			return fmt.Errorf("client region %q: nearest region %q is not one of the regions %v", cr, near, c.Regions)
		}
	}
	if !(c.ServiceScale >= 0 && c.ServiceScale <= MaxServiceScale) {
		return fmt.Errorf("service scale %g: want 0 (meaning 1) to %d", c.ServiceScale, MaxServiceScale)
	}
	if err := c.Probe.validate(); err != nil {
		return err
	}
	if c.ReplicationLag < 0 {
		return fmt.Errorf("replication lag %v: must not be negative", c.ReplicationLag)
	}
	if c.Unreplicated != UnreplicatedLate && c.Unreplicated != UnreplicatedLost {
		return fmt.Errorf("unreplicated %q: want %q or %q", c.Unreplicated, UnreplicatedLate, UnreplicatedLost)
	}
	for ep := range c.Service {
		if !slices.Contains(Endpoints, ep) {
			return fmt.Errorf("service time for unknown endpoint %q: want one of %v", ep, Endpoints)
		}
	}
	return nil
}

// MaxServiceScale bounds Config.ServiceScale.
const MaxServiceScale = 100

// service returns the service times, scaled by ServiceScale.
func (c *Config) service() map[string]ServiceTime {
	if c.ServiceScale == 0 || c.ServiceScale == 1 {
		return c.Service
	}
	out := make(map[string]ServiceTime, len(c.Service))
	for ep, st := range c.Service {
		st.Median = time.Duration(float64(st.Median) * c.ServiceScale)
		out[ep] = st
	}
	return out
}

// delay is the one-way WAN delay from client region cr to region r.
func (c *Config) delay(cr, r string) time.Duration {
	if d, ok := c.WAN[cr][r]; ok {
		return d
	}
	if c.ClientRegions[cr] == r {
		return c.NearDelay
	}
	return c.FarDelay
}
