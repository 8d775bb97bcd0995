package chaos

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/slocheck/slocheck/results"
)

// The injector kinds shipped with slocheck. Azure injectors add their own.
const (
	KindPlatform = "platform" // the embedded platform, through its admin API
	KindHTTP     = "http"     // an HTTP hook: a request to inject, one to heal
	KindExec     = "exec"     // a shell command pair
	// KindInProcess is a fault on a platform running inside the same process:
	// it ends with the process, so HealDir has nothing to undo.
	KindInProcess = "inprocess"

	// The Azure injectors (packages frontdoor, aks, chaosstudio, cosmosfault).
	KindFrontDoor   = "frontdoor"    // disable one Azure Front Door origin
	KindAKS         = "aks"          // scale Kubernetes deployments to zero
	KindChaosStudio = "chaos-studio" // start an Azure Chaos Studio experiment
	KindCosmos      = "cosmos"       // move a Cosmos DB account's write region
)

// Spec describes one fault: which injector, its configuration, and the labels
// its events carry. It is what faults.json stores, so it never holds a secret:
// tokens and secret headers are named by the environment variable that holds
// them.
type Spec struct {
	Kind     string        `json:"kind"`
	Name     string        `json:"name"`
	Target   string        `json:"target,omitempty"` // region or resource; defaults from the kind's config
	Mode     string        `json:"mode,omitempty"`   // down, blackhole, …; defaults from the kind's config
	Platform *PlatformSpec `json:"platform,omitempty"`
	HTTP     *HTTPSpec     `json:"http,omitempty"`
	Exec     *ExecSpec     `json:"exec,omitempty"`

	FrontDoor   *FrontDoorSpec   `json:"frontdoor,omitempty"`
	AKS         *AKSSpec         `json:"aks,omitempty"`
	ChaosStudio *ChaosStudioSpec `json:"chaos_studio,omitempty"`
	Cosmos      *CosmosSpec      `json:"cosmos,omitempty"`
}

// PlatformSpec is a fault on the embedded platform through its admin API
// (DESIGN.md §4).
type PlatformSpec struct {
	Admin     string           `json:"admin"` // base URL of the admin API
	Region    string           `json:"region"`
	Mode      string           `json:"mode"` // down, blackhole, errors, slow, replication-cut
	Ratio     float64          `json:"ratio,omitempty"`
	LatencyMS int              `json:"latency_ms,omitempty"`
	TokenEnv  string           `json:"token_env,omitempty"` // environment variable holding the bearer token
	Timeout   results.Duration `json:"timeout,omitempty"`   // per request; 0 means 5 s
	// InProcess says the platform runs inside the injecting process (the
	// embedded platform of a plain `slocheck run`): once that process is
	// gone, so are the platform and its faults, and HealDir has nothing to do.
	InProcess bool `json:"in_process,omitempty"`
}

// HTTPSpec is a fault behind an HTTP hook: one request injects, another heals.
// A 2xx answer is success; a 404 to a DELETE heal means already healed.
type HTTPSpec struct {
	InjectURL    string            `json:"inject_url,omitempty"`
	InjectMethod string            `json:"inject_method,omitempty"` // default POST
	InjectBody   string            `json:"inject_body,omitempty"`
	HealURL      string            `json:"heal_url"`
	HealMethod   string            `json:"heal_method,omitempty"` // POST (default) or DELETE
	HealBody     string            `json:"heal_body,omitempty"`
	Headers      map[string]string `json:"headers,omitempty"`    // plain, non-secret headers
	HeaderEnv    map[string]string `json:"header_env,omitempty"` // header name -> environment variable holding its value
	Timeout      results.Duration  `json:"timeout,omitempty"`    // per request; 0 means 10 s
}

// ExecSpec is a fault made by a shell command pair, each run with `sh -c`
// under a timeout (its whole process group is killed when it runs over).
// Standard output and error go to files in the run directory.
type ExecSpec struct {
	InjectCmd string           `json:"inject_cmd,omitempty"`
	HealCmd   string           `json:"heal_cmd"`
	Timeout   results.Duration `json:"timeout,omitempty"` // per command; 0 means 30 s
}

// FrontDoorSpec disables one origin of an Azure Front Door Standard/Premium
// origin group; heal enables it again.
type FrontDoorSpec struct {
	SubscriptionID string `json:"subscription_id"`
	ResourceGroup  string `json:"resource_group"`
	Profile        string `json:"profile"`
	OriginGroup    string `json:"origin_group"`
	Origin         string `json:"origin"`
}

// AKSSpec scales the matching deployments of one cluster's namespace to zero;
// heal restores the replica counts each deployment carries in an annotation.
// Give Deployments (names) or LabelSelector.
type AKSSpec struct {
	Kubeconfig    string   `json:"kubeconfig,omitempty"` // empty: $KUBECONFIG or ~/.kube/config
	Context       string   `json:"context,omitempty"`    // empty: the current context
	Namespace     string   `json:"namespace"`
	Deployments   []string `json:"deployments,omitempty"`
	LabelSelector string   `json:"label_selector,omitempty"`
}

// ChaosStudioSpec starts an Azure Chaos Studio experiment; heal cancels it.
type ChaosStudioSpec struct {
	SubscriptionID string `json:"subscription_id"`
	ResourceGroup  string `json:"resource_group"`
	Experiment     string `json:"experiment"`
}

// CosmosSpec swaps the failover priorities of Region (the write region) and
// FailoverTo, so FailoverTo becomes the write region; heal swaps them back.
// Regions are matched without case and spaces ("westeurope" = "West Europe").
type CosmosSpec struct {
	SubscriptionID string `json:"subscription_id"`
	ResourceGroup  string `json:"resource_group"`
	Account        string `json:"account"`
	Region         string `json:"region"`                // the faulted region: the write region before the fault
	FailoverTo     string `json:"failover_to,omitempty"` // empty: the region with failover priority 1
}

// Labels returns the target and mode a fault's events carry: the spec's own,
// or what the kind's configuration says.
func (s Spec) Labels() (target, mode string) {
	target, mode = s.Target, s.Mode
	if s.Platform != nil {
		if target == "" {
			target = s.Platform.Region
		}
		if mode == "" {
			mode = s.Platform.Mode
		}
	}
	return target, mode
}

// Env is what building an injector may use of its surroundings.
type Env struct {
	// RunDir is the run directory: exec output files go there.
	RunDir string
	// Getenv reads the environment (tokens, secret headers); nil means os.Getenv.
	Getenv func(string) string
	// Stdout and Stderr receive exec output when RunDir is "" (nil discards it).
	Stdout, Stderr io.Writer
}

// Lookup reads an environment variable through e.Getenv.
func (e Env) Lookup(name string) string {
	if e.Getenv == nil {
		return os.Getenv(name)
	}
	return e.Getenv(name)
}

// BuildFunc builds the injector a spec describes.
type BuildFunc func(Spec, Env) (Injector, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]BuildFunc{}
)

// Register makes Build able to build specs of kind. Injector packages call it
// from init; registering a kind twice panics (a programming error).
func Register(kind string, build BuildFunc) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[kind]; dup {
		panic("chaos: kind registered twice: " + kind)
	}
	registry[kind] = build
}

// Kinds returns the registered kinds, sorted.
func Kinds() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	kinds := make([]string, 0, len(registry))
	for k := range registry {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// Build returns the injector spec describes, through the builder registered
// for its kind. Import internal/chaos/builtin to register every shipped kind.
func Build(spec Spec, env Env) (Injector, error) {
	if spec.Name == "" {
		return nil, errors.New("fault spec: name is empty")
	}
	registryMu.RLock()
	build, ok := registry[spec.Kind]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("fault %q: %w %q (known: %s)", spec.Name, ErrUnknownKind, spec.Kind, strings.Join(Kinds(), ", "))
	}
	inj, err := build(spec, env)
	if err != nil {
		return nil, fmt.Errorf("fault %q: %w", spec.Name, err)
	}
	return inj, nil
}
