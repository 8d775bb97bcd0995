// Package scenario reads and validates slocheck's scenario files: what traffic
// to send (rate, duration, client regions, shopping journeys), where to send it
// (the embedded platform or a real deployment), which faults to inject when,
// and the objectives a run is judged by.
//
// Files are strict YAML: an unknown field is an error, every error names its
// file, line, column and field path, and Validate reports every problem at
// once. docs/scenarios.md is the reference of every field and its default.
//
// Load, Parse, Open and Builtin return a scenario whose defaults are filled
// and that has passed Validate; Apply replaces fields from command-line flags
// and validates again.
package scenario

import (
	"fmt"
	"slices"
	"time"

	"github.com/slocheck/slocheck/results"
)

// Engines.
const (
	EngineGo = "go" // the built-in Go driver
	EngineK6 = "k6" // k6 with the slocheck extension, running Script
)

// Injectors.
const (
	InjectorPlatform    = "platform"     // the embedded platform's fault control
	InjectorHTTP        = "http"         // an HTTP hook: a request to inject, another to heal
	InjectorExec        = "exec"         // a shell command pair
	InjectorFrontDoor   = "frontdoor"    // disable an Azure Front Door origin
	InjectorAKS         = "aks"          // scale AKS deployments to zero
	InjectorChaosStudio = "chaos-studio" // start (and cancel) an Azure Chaos Studio experiment
	InjectorCosmos      = "cosmos"       // change a Cosmos DB account's failover priorities
	InjectorManual      = "manual"       // injected by another tool: slocheck acts on nothing and waits for its marks (slocheck mark)
)

// Fault modes of the embedded platform (DESIGN.md §4); the http injector
// passes them on to its hook.
const (
	ModeDown           = "down"            // connections refused
	ModeBlackhole      = "blackhole"       // connections accepted, never answered
	ModeErrors         = "errors"          // 503 answers
	ModeSlow           = "slow"            // added latency
	ModeReplicationCut = "replication-cut" // the region's writes stop replicating
)

// Journey steps and the requests they send.
const (
	StepBrowse   = "browse"   // GET /catalog
	StepProduct  = "product"  // GET /products/{id}
	StepCart     = "cart"     // POST /cart
	StepCheckout = "checkout" // POST /checkout (an acknowledged write: an order)
)

// Steps are the journey steps in shopping order.
var Steps = []string{StepBrowse, StepProduct, StepCart, StepCheckout}

// Scenario is one scenario file with its defaults filled.
type Scenario struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description,omitempty"`
	Engine      string     `yaml:"engine"`           // go | k6
	Script      string     `yaml:"script,omitempty"` // k6 only: the script, relative to the scenario file
	Target      *Target    `yaml:"target,omitempty"` // nil: the embedded platform
	Platform    Platform   `yaml:"platform"`
	Load        Traffic    `yaml:"load"`
	Faults      []Fault    `yaml:"faults"`
	Objectives  Objectives `yaml:"objectives"`
	LagProbe    *LagProbe  `yaml:"lag_probe,omitempty"` // replication-lag probe (cosmos.go); nil: none

	src source // where the scenario came from and where its fields are
}

// Target is a real deployment to send traffic to.
type Target struct {
	URL            string            `yaml:"url,omitempty"`          // the entry point for every client region
	Edges          map[string]string `yaml:"edges,omitempty"`        // client region -> entry point; overrides URL
	Regions        []string          `yaml:"regions"`                // the deployment's regions (fault targets, read-back regions)
	ReadbackURL    string            `yaml:"readback_url,omitempty"` // RPO read-back template with {id} and {region}
	ServedByHeader string            `yaml:"served_by_header"`       // response header naming the serving region
	CheckURL       string            `yaml:"check_url"`              // reachability check before the run; a path is joined to each edge
	Auth           *TargetAuth       `yaml:"auth,omitempty"`         // a bearer token on every request (engine go)
	Cosmos         *CosmosData       `yaml:"cosmos,omitempty"`       // read back from Cosmos DB itself (cosmos.go)
}

// TargetAuth is a bearer token the run obtains from azidentity's default
// credential chain (az login, workload or managed identity, …) before
// traffic starts, refreshes before it expires, and sends on every request
// of every step. The token is never printed or recorded.
type TargetAuth struct {
	BearerScope string `yaml:"bearer_scope"` // the token's scope, e.g. api://my-shop/.default
	Header      string `yaml:"header"`       // the header carrying "Bearer <token>"; default Authorization
}

// Platform configures the embedded platform (used only without a Target).
type Platform struct {
	Regions        []string          `yaml:"regions"`
	ClientRegions  map[string]string `yaml:"client_regions"` // client region -> its nearest region
	Probe          Probe             `yaml:"probe"`
	ReplicationLag time.Duration     `yaml:"replication_lag"`
	// Unreplicated is what a region outage (down, blackhole) does to the
	// writes the region acknowledged but had not replicated: UnreplicatedLate
	// (they replicate on heal) or UnreplicatedLost (the region lost them).
	Unreplicated string `yaml:"unreplicated"`
	Seed         int64  `yaml:"seed"`
}

// What a region outage does to its unreplicated writes (Platform.Unreplicated).
const (
	UnreplicatedLate = "late" // they replicate when the region heals: missing during the outage only
	UnreplicatedLost = "lost" // they are gone: the region lost its data
)

// Probe is the front door's active health probe, configured as Azure Front
// Door's: an origin is healthy while at least SuccessfulSamples of the last
// SampleSize probes succeeded.
type Probe struct {
	Interval          time.Duration `yaml:"interval"`
	SampleSize        int           `yaml:"sample_size"`
	SuccessfulSamples int           `yaml:"successful_samples"`
	Timeout           time.Duration `yaml:"timeout"`
}

// Traffic is the load: an open model whose rate is requests per second (the
// driver turns it into journey arrivals, see ArrivalRateAt).
type Traffic struct {
	Rate          float64            `yaml:"rate"` // requests per second; with a ramp, the rate it starts from
	Ramp          []Stage            `yaml:"ramp,omitempty"`
	Duration      time.Duration      `yaml:"duration"`
	Timeout       time.Duration      `yaml:"timeout"` // a request slower than this failed
	MaxWorkers    int                `yaml:"max_workers"`
	ClientRegions map[string]float64 `yaml:"client_regions"`   // client region -> weight
	Preset        string             `yaml:"preset,omitempty"` // "reference": the reference shop's steps (the default without steps)
	Steps         []Step             `yaml:"steps,omitempty"`  // the requests of a shop of the scenario's own (steps.go)
	Data          *Data              `yaml:"data,omitempty"`   // rows for {{data.<column>}}
	Cookies       bool               `yaml:"cookies"`          // one cookie jar per journey (default true)
	Journeys      []Journey          `yaml:"journeys"`
}

// Stage is one ramp stage: the rate moves linearly from the previous stage's
// rate (Traffic.Rate for the first) to Rate over Duration. After the last
// stage its rate holds until the run ends.
type Stage struct {
	Duration time.Duration `yaml:"duration"`
	Rate     float64       `yaml:"rate"`
}

// Journey is a sequence of steps one arrival walks through.
type Journey struct {
	Name      string        `yaml:"name"`
	Weight    float64       `yaml:"weight"`
	ThinkTime time.Duration `yaml:"think_time,omitempty"` // pause between steps
	Steps     []string      `yaml:"steps"`
}

// Fault is one scheduled fault.
type Fault struct {
	Name        string         `yaml:"name"`
	At          time.Duration  `yaml:"at"`  // from the start of the run
	For         time.Duration  `yaml:"for"` // until the heal
	Injector    string         `yaml:"injector"`
	Region      string         `yaml:"region,omitempty"`
	Mode        string         `yaml:"mode"`
	Ratio       float64        `yaml:"ratio"`             // share of requests affected (platform, http)
	Latency     time.Duration  `yaml:"latency,omitempty"` // mode slow only
	HTTP        *HTTPHook      `yaml:"http,omitempty"`
	Exec        *ExecHook      `yaml:"exec,omitempty"`
	FrontDoor   *FrontDoor     `yaml:"frontdoor,omitempty"`
	AKS         *AKS           `yaml:"aks,omitempty"`
	ChaosStudio *ChaosStudio   `yaml:"chaos_studio,omitempty"`
	Cosmos      *Cosmos        `yaml:"cosmos,omitempty"`
	MaxDuration time.Duration  `yaml:"max_duration"` // the longest the fault may stay injected, whatever happens
	Stop        *StopCondition `yaml:"stop,omitempty"`
}

// Window returns when the fault is scheduled: [At, At+For).
func (f *Fault) Window() (from, to time.Duration) { return f.At, f.At + f.For }

// HTTPHook injects with one HTTP request and heals with another.
type HTTPHook struct {
	InjectURL    string            `yaml:"inject_url"`
	InjectMethod string            `yaml:"inject_method"`
	InjectBody   string            `yaml:"inject_body,omitempty"` // empty: the fault as the platform admin API's JSON
	HealURL      string            `yaml:"heal_url"`
	HealMethod   string            `yaml:"heal_method"`
	HealBody     string            `yaml:"heal_body,omitempty"`
	Headers      map[string]string `yaml:"headers,omitempty"`    // sent as written: never a secret
	HeaderEnv    map[string]string `yaml:"header_env,omitempty"` // header -> environment variable holding its (secret) value
	Timeout      time.Duration     `yaml:"timeout"`
}

// ExecHook injects and heals with shell commands (run with sh -c).
type ExecHook struct {
	Inject  string        `yaml:"inject"`
	Heal    string        `yaml:"heal"`
	Timeout time.Duration `yaml:"timeout"` // per command
}

// FrontDoor disables one origin of an Azure Front Door (Standard/Premium)
// origin group, and enables it again on heal.
type FrontDoor struct {
	SubscriptionID string `yaml:"subscription_id"`
	ResourceGroup  string `yaml:"resource_group"`
	Profile        string `yaml:"profile"`
	OriginGroup    string `yaml:"origin_group"`
	Origin         string `yaml:"origin"`
}

// AKS scales the matching deployments of one cluster to zero replicas, and
// back to their previous counts on heal.
type AKS struct {
	Kubeconfig    string   `yaml:"kubeconfig,omitempty"` // empty: $KUBECONFIG or ~/.kube/config
	Context       string   `yaml:"context,omitempty"`    // the region's cluster; empty: the current context
	Namespace     string   `yaml:"namespace"`
	Deployments   []string `yaml:"deployments,omitempty"`
	LabelSelector string   `yaml:"label_selector,omitempty"`
}

// ChaosStudio starts an Azure Chaos Studio experiment, and cancels it on heal.
type ChaosStudio struct {
	SubscriptionID string `yaml:"subscription_id"`
	ResourceGroup  string `yaml:"resource_group"`
	Experiment     string `yaml:"experiment"`
}

// Cosmos moves a Cosmos DB account's write region away from the fault's
// region (a failover-priority change), and restores the priorities on heal.
type Cosmos struct {
	SubscriptionID string `yaml:"subscription_id"`
	ResourceGroup  string `yaml:"resource_group"`
	Account        string `yaml:"account"`
	FailoverTo     string `yaml:"failover_to"` // the location that becomes priority 0
}

// StopCondition heals a fault early when any client region's failure ratio
// stays above FailureRatio for For.
type StopCondition struct {
	FailureRatio float64       `yaml:"failure_ratio"`
	For          time.Duration `yaml:"for"`
	// BudgetShare heals the fault once it has spent more than this share
	// of the 30-day error budget (DESIGN.md §2's budget burn, live); 0 for
	// no such condition. Either condition, or both, may be given.
	BudgetShare float64 `yaml:"budget_share,omitempty"`
}

// Objectives are the targets a run is judged by (DESIGN.md §2).
type Objectives struct {
	P99               time.Duration `yaml:"p99"`
	Availability      float64       `yaml:"availability"`
	RTO               time.Duration `yaml:"rto"`
	RPO               time.Duration `yaml:"rpo"`
	BudgetShare       float64       `yaml:"budget_share"`
	StabilityWindow   time.Duration `yaml:"stability_window"`
	Recovery          time.Duration `yaml:"recovery"`
	InconclusiveFails bool          `yaml:"inconclusive_fails,omitempty"`
}

// Embedded reports whether the scenario runs against the embedded platform.
func (s *Scenario) Embedded() bool { return s.Target == nil }

// Targets returns the objectives in the results stream's form.
func (s *Scenario) Targets() results.Targets {
	o := s.Objectives
	return results.Targets{
		P99:             results.Duration(o.P99),
		Availability:    o.Availability,
		RTO:             results.Duration(o.RTO),
		RPO:             results.Duration(o.RPO),
		BudgetShare:     o.BudgetShare,
		Timeout:         results.Duration(s.Load.Timeout),
		StabilityWindow: results.Duration(o.StabilityWindow),
		Recovery:        results.Duration(o.Recovery),
		Quantile:        0.99,
	}
}

// Regions returns the regions faults may target and writes are read back
// from: the target's, or the embedded platform's.
func (s *Scenario) Regions() []string {
	if s.Target != nil {
		return s.Target.Regions
	}
	return s.Platform.Regions
}

// ClientRegions returns the client regions that carry weight, sorted.
func (s *Scenario) ClientRegions() []string {
	return sortedKeys(s.Load.ClientRegions, func(w float64) bool { return w > 0 })
}

// StepsUsed returns the steps the scenario's weighted journeys send, in
// the order they are defined (the reference preset's shopping order first):
// the steps reports should list (a step no journey sends has no traffic to
// judge).
func (s *Scenario) StepsUsed() []string {
	var used []string
	for _, st := range s.Load.stepNames() {
		for _, j := range s.Load.Journeys {
			if j.Weight > 0 && slices.Contains(j.Steps, st) {
				used = append(used, st)
				break
			}
		}
	}
	return used
}

// Source returns the file the scenario was read from ("scenarios/NAME.yaml"
// for a builtin one).
func (s *Scenario) Source() string { return s.src.file }

// IsBuiltin reports whether the scenario is one of the embedded files.
func (s *Scenario) IsBuiltin() bool { return s.src.builtin }

// String returns the scenario's name and source.
func (s *Scenario) String() string { return fmt.Sprintf("%s (%s)", s.Name, s.src.file) }
