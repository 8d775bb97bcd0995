// Package cosmosfault moves a Cosmos DB account's write region away from the
// faulted region: Inject swaps the failover priorities of the region (the
// write region, priority 0) and the FailoverTo region, through the ARM API
// (armcosmos DatabaseAccountsClient.BeginFailoverPriorityChange); Heal swaps
// them back. Writes then go to the other region, as after a regional outage
// with service-managed failover, and the run measures what users saw.
//
// A swap is its own inverse, so the heal needs no stored state: any process
// (also `slocheck heal DIR` after a crash) puts the faulted region back to
// priority 0 by swapping it with the current write region, and every other
// region keeps its priority. An account whose write region is not the faulted
// one is refused (ErrNotWriteRegion) and left alone, and so is an account with
// multi-region writes (ErrMultiWrite): every region takes writes there, so no
// priority change takes them away. Credentials come from azidentity's
// default chain.
package cosmosfault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cosmos/armcosmos/v3"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/armclient"
)

// DefaultPollFrequency is how often a failover-priority change is polled
// when Azure sends no Retry-After.
const DefaultPollFrequency = 2 * time.Second

// Sentinel errors, matched with errors.Is.
var (
	// ErrNotWriteRegion is returned by Inject when the faulted region is not
	// the write region and this injector did not move it.
	ErrNotWriteRegion = errors.New("region is not the write region")
	// ErrMultiWrite is returned by Inject for an account with multi-region
	// writes.
	ErrMultiWrite = errors.New("account has multi-region writes")
)

// Config holds what the injector needs besides its spec.
type Config struct {
	// NewClient makes the ARM client for a subscription; nil means
	// DefaultClient (azidentity's default credential chain).
	NewClient func(subscriptionID string) (*armcosmos.DatabaseAccountsClient, error)
	// PollFrequency: 0 means DefaultPollFrequency.
	PollFrequency time.Duration
}

// DefaultClient returns a DatabaseAccountsClient for subscriptionID that
// authenticates with azidentity's default credential chain.
func DefaultClient(subscriptionID string) (*armcosmos.DatabaseAccountsClient, error) {
	return armclient.New(subscriptionID, armcosmos.NewDatabaseAccountsClient)
}

// what this injector knows of the account.
type knowledge int

const (
	unknown knowledge = iota // built from a spec, nothing done yet
	moved                    // this injector moved the write region (or tried to)
	refused                  // the write region was elsewhere already: heal leaves it
)

// Injector changes one account's failover priorities.
type Injector struct {
	spec chaos.CosmosSpec
	cfg  Config

	mu       sync.Mutex
	client   *armcosmos.DatabaseAccountsClient
	known    knowledge
	injected time.Time
}

var _ chaos.Injector = (*Injector)(nil)

func init() {
	chaos.Register(chaos.KindCosmos, func(s chaos.Spec, _ chaos.Env) (chaos.Injector, error) {
		if s.Cosmos == nil {
			return nil, errors.New("cosmos fault: no cosmos configuration")
		}
		return New(*s.Cosmos, Config{})
	})
}

// New returns the fault spec describes. No Azure call is made until Inject or
// Heal.
func New(spec chaos.CosmosSpec, cfg Config) (*Injector, error) {
	if err := armclient.Required("cosmos", armclient.Field{Name: "subscription_id", Value: spec.SubscriptionID},
		armclient.Field{Name: "resource_group", Value: spec.ResourceGroup}, armclient.Field{Name: "account", Value: spec.Account},
		armclient.Field{Name: "region", Value: spec.Region}); err != nil {
		return nil, err
	}
	if spec.FailoverTo != "" && sameRegion(spec.FailoverTo, spec.Region) {
		return nil, fmt.Errorf("cosmos fault: failover_to %s is the faulted region", spec.FailoverTo)
	}
	if cfg.NewClient == nil {
		cfg.NewClient = DefaultClient
	}
	if cfg.PollFrequency <= 0 {
		cfg.PollFrequency = DefaultPollFrequency
	}
	return &Injector{spec: spec, cfg: cfg}, nil
}

// Inject makes FailoverTo the write region and returns when Azure has
// finished the change. A second Inject of this injector changes nothing.
func (i *Injector) Inject(ctx context.Context) (chaos.Fault, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	issued := time.Now()
	acct, err := i.get(ctx)
	if err != nil {
		return chaos.Fault{}, err
	}
	if acct.multiWrite {
		i.known = refused
		return chaos.Fault{}, fmt.Errorf("cosmos: %s: %w: every region takes writes, so a failover-priority change cannot take them from %s", i.spec.Account, ErrMultiWrite, i.spec.Region)
	}
	undo := fmt.Sprintf("make %s the write region of Cosmos DB account %s again", i.spec.Region, i.spec.Account)
	if !sameRegion(acct.regions[0].name, i.spec.Region) {
		if i.known == moved {
			return chaos.Fault{Issued: issued, Injected: i.injected, Undo: undo}, nil
		}
		i.known = refused
		return chaos.Fault{}, fmt.Errorf("cosmos: %s: %s: %w (the write region is %s)", i.spec.Account, i.spec.Region, ErrNotWriteRegion, acct.regions[0].name)
	}
	to := i.spec.FailoverTo
	if to == "" {
		to = acct.regions[1].name
	}
	next, err := acct.swap(i.spec.Region, to)
	if err != nil {
		return chaos.Fault{}, fmt.Errorf("cosmos: %s: %w", i.spec.Account, err)
	}
	i.known = moved // set before the change: one that half-worked is healed too
	if err := i.change(ctx, next); err != nil {
		return chaos.Fault{}, err
	}
	i.injected = time.Now()
	return chaos.Fault{Issued: issued, Injected: i.injected, Undo: undo}, nil
}

// Heal makes the faulted region the write region again by swapping it with
// the current one. When it is the write region already, it does nothing.
func (i *Injector) Heal(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.known == refused {
		return nil
	}
	acct, err := i.get(ctx)
	if err != nil {
		return err
	}
	if sameRegion(acct.regions[0].name, i.spec.Region) {
		return nil
	}
	next, err := acct.swap(i.spec.Region, acct.regions[0].name)
	if err != nil {
		return fmt.Errorf("cosmos: %s: %w", i.spec.Account, err)
	}
	return i.change(ctx, next)
}

// account is what the injector reads of a database account.
type account struct {
	regions    []region // by failover priority, write region first
	multiWrite bool
}

type region struct {
	name     string // as Azure spells it ("East US")
	priority int32
}

// swap returns the account's regions with the priorities of x and y swapped.
func (a account) swap(x, y string) ([]region, error) {
	ix := slices.IndexFunc(a.regions, func(r region) bool { return sameRegion(r.name, x) })
	iy := slices.IndexFunc(a.regions, func(r region) bool { return sameRegion(r.name, y) })
	if ix < 0 || iy < 0 {
		names := make([]string, len(a.regions))
		for k, r := range a.regions {
			names[k] = r.name
		}
		return nil, fmt.Errorf("regions %s and %s: want two of the account's regions (%s)", x, y, strings.Join(names, ", "))
	}
	next := slices.Clone(a.regions)
	next[ix].priority, next[iy].priority = next[iy].priority, next[ix].priority
	return next, nil
}

// get reads the account's failover priorities.
func (i *Injector) get(ctx context.Context) (account, error) {
	c, err := i.clientLocked()
	if err != nil {
		return account{}, err
	}
	resp, err := c.Get(ctx, i.spec.ResourceGroup, i.spec.Account, nil)
	if err != nil {
		return account{}, fmt.Errorf("cosmos: get account %s: %w", i.spec.Account, err)
	}
	var a account
	if p := resp.Properties; p != nil {
		a.multiWrite = p.EnableMultipleWriteLocations != nil && *p.EnableMultipleWriteLocations
		for _, fp := range p.FailoverPolicies {
			if fp != nil && fp.LocationName != nil && fp.FailoverPriority != nil {
				a.regions = append(a.regions, region{name: *fp.LocationName, priority: *fp.FailoverPriority})
			}
		}
	}
	if len(a.regions) < 2 {
		return account{}, fmt.Errorf("cosmos: account %s has %d region(s): nothing to fail over to", i.spec.Account, len(a.regions))
	}
	slices.SortFunc(a.regions, func(x, y region) int { return int(x.priority) - int(y.priority) })
	return a, nil
}

// change sets the account's failover priorities and waits until Azure is done.
func (i *Injector) change(ctx context.Context, regions []region) error {
	c, err := i.clientLocked()
	if err != nil {
		return err
	}
	var fp armcosmos.FailoverPolicies
	desc := make([]string, len(regions))
	for k, r := range regions {
		fp.FailoverPolicies = append(fp.FailoverPolicies, &armcosmos.FailoverPolicy{LocationName: new(r.name), FailoverPriority: new(r.priority)})
		desc[k] = fmt.Sprintf("%s=%d", r.name, r.priority)
	}
	poller, err := c.BeginFailoverPriorityChange(ctx, i.spec.ResourceGroup, i.spec.Account, fp, nil)
	if err == nil {
		_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: i.cfg.PollFrequency})
	}
	if err != nil {
		return fmt.Errorf("cosmos: change failover priorities of %s to %s: %w", i.spec.Account, strings.Join(desc, ", "), err)
	}
	return nil
}

// sameRegion compares region names the way Azure does: "westeurope" is
// "West Europe".
func sameRegion(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	return norm(a) == norm(b)
}

// clientLocked makes the ARM client on first use; i.mu is held.
func (i *Injector) clientLocked() (*armcosmos.DatabaseAccountsClient, error) {
	if i.client != nil {
		return i.client, nil
	}
	c, err := i.cfg.NewClient(i.spec.SubscriptionID)
	if err != nil {
		return nil, fmt.Errorf("cosmos: client for subscription %s: %w", i.spec.SubscriptionID, err)
	}
	i.client = c
	return c, nil
}
