// Package frontdoor takes one origin of an Azure Front Door Standard/Premium
// origin group out of rotation: Inject sets the origin's enabledState to
// Disabled through the ARM API (armcdn AFDOriginsClient), Heal sets it back to
// Enabled. Front Door then stops routing to the origin, as when an operator
// drains a region, and the run measures how users fare on the other origins.
//
// The fault presumes an enabled origin, so the heal of any process (also
// `slocheck heal DIR` after a crash) can restore it without stored state. An
// origin found already disabled by someone else is refused (ErrAlreadyDisabled)
// and left as it was. Credentials come from azidentity's default chain.
package frontdoor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cdn/armcdn/v2"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/armclient"
)

// DefaultPollFrequency is how often a long-running update is polled when
// Azure sends no Retry-After.
const DefaultPollFrequency = time.Second

// ErrAlreadyDisabled is returned by Inject when the origin is disabled and
// this injector did not disable it: injecting would change nothing, and the
// heal would enable an origin someone else took out.
var ErrAlreadyDisabled = errors.New("origin already disabled")

// Config holds what the injector needs besides its spec.
type Config struct {
	// NewClient makes the ARM client for a subscription; nil means
	// DefaultClient (azidentity's default credential chain).
	NewClient func(subscriptionID string) (*armcdn.AFDOriginsClient, error)
	// PollFrequency is how often an update is polled when Azure sends no
	// Retry-After; 0 means DefaultPollFrequency.
	PollFrequency time.Duration
}

// DefaultClient returns an AFDOriginsClient for subscriptionID that
// authenticates with azidentity's default credential chain.
func DefaultClient(subscriptionID string) (*armcdn.AFDOriginsClient, error) {
	return armclient.New(subscriptionID, armcdn.NewAFDOriginsClient)
}

// what this injector knows of the origin.
type knowledge int

const (
	unknown  knowledge = iota // built from a spec, nothing done yet
	disabled                  // this injector disabled the origin (or tried to)
	refused                   // the origin was disabled by someone else: heal leaves it
)

// Injector disables one Front Door origin.
type Injector struct {
	spec chaos.FrontDoorSpec
	cfg  Config

	mu       sync.Mutex
	client   *armcdn.AFDOriginsClient
	known    knowledge
	injected time.Time
}

var _ chaos.Injector = (*Injector)(nil)

func init() {
	chaos.Register(chaos.KindFrontDoor, func(s chaos.Spec, _ chaos.Env) (chaos.Injector, error) {
		if s.FrontDoor == nil {
			return nil, errors.New("frontdoor fault: no frontdoor configuration")
		}
		return New(*s.FrontDoor, Config{})
	})
}

// New returns the fault spec describes. No Azure call is made until Inject or
// Heal.
func New(spec chaos.FrontDoorSpec, cfg Config) (*Injector, error) {
	if err := armclient.Required("frontdoor", armclient.Field{Name: "subscription_id", Value: spec.SubscriptionID},
		armclient.Field{Name: "resource_group", Value: spec.ResourceGroup}, armclient.Field{Name: "profile", Value: spec.Profile},
		armclient.Field{Name: "origin_group", Value: spec.OriginGroup}, armclient.Field{Name: "origin", Value: spec.Origin}); err != nil {
		return nil, err
	}
	if cfg.NewClient == nil {
		cfg.NewClient = DefaultClient
	}
	if cfg.PollFrequency <= 0 {
		cfg.PollFrequency = DefaultPollFrequency
	}
	return &Injector{spec: spec, cfg: cfg}, nil
}

// Inject disables the origin and returns when Azure has applied the update.
// A second Inject of this injector changes nothing.
func (i *Injector) Inject(ctx context.Context) (chaos.Fault, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	issued := time.Now()
	state, err := i.get(ctx)
	if err != nil {
		return chaos.Fault{}, err
	}
	undo := "enable Front Door origin " + i.name()
	if state == armcdn.EnabledStateDisabled {
		if i.known != disabled {
			i.known = refused
			return chaos.Fault{}, fmt.Errorf("frontdoor: %s: %w (enable it first, or `slocheck heal DIR` of the run that disabled it)", i.name(), ErrAlreadyDisabled)
		}
		if i.injected.IsZero() {
			i.injected = issued
		}
		return chaos.Fault{Issued: issued, Injected: i.injected, Undo: undo}, nil
	}
	i.known = disabled // set before the update: a half-done update is healed too
	if err := i.set(ctx, armcdn.EnabledStateDisabled); err != nil {
		return chaos.Fault{}, err
	}
	i.injected = time.Now()
	return chaos.Fault{Issued: issued, Injected: i.injected, Undo: undo}, nil
}

// Heal enables the origin again, unless Inject found it disabled by someone
// else. Healing an enabled origin changes nothing.
func (i *Injector) Heal(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.known == refused {
		return nil
	}
	state, err := i.get(ctx)
	if err != nil {
		return err
	}
	if state == armcdn.EnabledStateEnabled {
		return nil
	}
	return i.set(ctx, armcdn.EnabledStateEnabled)
}

// name is the origin's path inside the resource group, for messages.
func (i *Injector) name() string {
	return i.spec.Profile + "/" + i.spec.OriginGroup + "/" + i.spec.Origin
}

// get returns the origin's enabled state (Enabled when Azure omits it: the
// API's default).
func (i *Injector) get(ctx context.Context) (armcdn.EnabledState, error) {
	c, err := i.clientLocked()
	if err != nil {
		return "", err
	}
	resp, err := c.Get(ctx, i.spec.ResourceGroup, i.spec.Profile, i.spec.OriginGroup, i.spec.Origin, nil)
	if err != nil {
		return "", fmt.Errorf("frontdoor: get origin %s: %w", i.name(), err)
	}
	if resp.Properties == nil || resp.Properties.EnabledState == nil {
		return armcdn.EnabledStateEnabled, nil
	}
	return *resp.Properties.EnabledState, nil
}

// set updates the origin's enabled state and waits until Azure is done.
func (i *Injector) set(ctx context.Context, state armcdn.EnabledState) error {
	c, err := i.clientLocked()
	if err != nil {
		return err
	}
	params := armcdn.AFDOriginUpdateParameters{Properties: &armcdn.AFDOriginUpdatePropertiesParameters{EnabledState: &state}}
	poller, err := c.BeginUpdate(ctx, i.spec.ResourceGroup, i.spec.Profile, i.spec.OriginGroup, i.spec.Origin, params, nil)
	if err == nil {
		_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: i.cfg.PollFrequency})
	}
	if err != nil {
		return fmt.Errorf("frontdoor: set origin %s %s: %w", i.name(), state, err)
	}
	return nil
}

// clientLocked makes the ARM client on first use; i.mu is held.
func (i *Injector) clientLocked() (*armcdn.AFDOriginsClient, error) {
	if i.client != nil {
		return i.client, nil
	}
	c, err := i.cfg.NewClient(i.spec.SubscriptionID)
	if err != nil {
		return nil, fmt.Errorf("frontdoor: client for subscription %s: %w", i.spec.SubscriptionID, err)
	}
	i.client = c
	return c, nil
}
