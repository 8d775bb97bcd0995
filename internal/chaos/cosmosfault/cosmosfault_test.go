package cosmosfault_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cosmos/armcosmos/v3"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cosmos/armcosmos/v3/fake"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/cosmosfault"
)

var spec = chaos.CosmosSpec{SubscriptionID: "00000000-0000-0000-0000-000000000003", ResourceGroup: "data-rg", Account: "shop-db", Region: "eastus", FailoverTo: "westeurope"}

// account is a Cosmos DB account behind armcosmos's fake server. It keeps
// its regions in failover priority order (write region first), refuses a
// change that is not a permutation of its regions with priorities 0..n-1, as
// Azure does, and logs each change.
type account struct {
	mu         sync.Mutex
	order      []string // by priority
	multiWrite bool
	changes    []string // each change as "A,B,C" by priority
	gets       int
	failChange int // HTTP status for the next change
}

func (a *account) server(t *testing.T) fake.DatabaseAccountsServer {
	check := func(rg, name string) {
		if rg != spec.ResourceGroup || name != spec.Account {
			t.Errorf("request for %s/%s", rg, name)
		}
	}
	return fake.DatabaseAccountsServer{
		Get: func(_ context.Context, rg, name string, _ *armcosmos.DatabaseAccountsClientGetOptions) (resp azfake.Responder[armcosmos.DatabaseAccountsClientGetResponse], errResp azfake.ErrorResponder) {
			check(rg, name)
			a.mu.Lock()
			defer a.mu.Unlock()
			a.gets++
			props := &armcosmos.DatabaseAccountGetProperties{EnableMultipleWriteLocations: new(a.multiWrite)}
			// Azure lists them in no promised order: reverse them to check the sort.
			for k := len(a.order) - 1; k >= 0; k-- {
				props.FailoverPolicies = append(props.FailoverPolicies, &armcosmos.FailoverPolicy{
					LocationName: new(a.order[k]), FailoverPriority: new(int32(k)), ID: new(name + "-" + a.order[k])})
			}
			resp.SetResponse(http.StatusOK, armcosmos.DatabaseAccountsClientGetResponse{DatabaseAccountGetResults: armcosmos.DatabaseAccountGetResults{
				Name: new(name), Properties: props}}, nil)
			return resp, errResp
		},
		BeginFailoverPriorityChange: func(_ context.Context, rg, name string, p armcosmos.FailoverPolicies, _ *armcosmos.DatabaseAccountsClientBeginFailoverPriorityChangeOptions) (resp azfake.PollerResponder[armcosmos.DatabaseAccountsClientFailoverPriorityChangeResponse], errResp azfake.ErrorResponder) {
			check(rg, name)
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.failChange != 0 {
				errResp.SetResponseError(a.failChange, "PreconditionFailed")
				a.failChange = 0
				return resp, errResp
			}
			next, err := a.apply(p)
			if err != nil {
				errResp.SetResponseError(http.StatusBadRequest, err.Error())
				return resp, errResp
			}
			a.order = next
			a.changes = append(a.changes, strings.Join(next, ","))
			resp.AddNonTerminalResponse(http.StatusAccepted, nil) // makes the injector poll
			resp.SetTerminalResponse(http.StatusNoContent, armcosmos.DatabaseAccountsClientFailoverPriorityChangeResponse{}, nil)
			return resp, errResp
		},
	}
}

// apply checks a change as Azure would and returns the new order.
func (a *account) apply(p armcosmos.FailoverPolicies) ([]string, error) {
	next := make([]string, len(a.order))
	if len(p.FailoverPolicies) != len(a.order) {
		return nil, fmt.Errorf("got %d policies for %d regions", len(p.FailoverPolicies), len(a.order))
	}
	for _, fp := range p.FailoverPolicies {
		k := int(*fp.FailoverPriority)
		if k < 0 || k >= len(next) || next[k] != "" || !slices.Contains(a.order, *fp.LocationName) {
			return nil, fmt.Errorf("bad policy %s=%d", *fp.LocationName, k)
		}
		next[k] = *fp.LocationName
	}
	return next, nil
}

func (a *account) injector(t *testing.T, s chaos.CosmosSpec) *cosmosfault.Injector {
	t.Helper()
	srv := a.server(t)
	inj, err := cosmosfault.New(s, cosmosfault.Config{
		PollFrequency: time.Millisecond,
		NewClient: func(sub string) (*armcosmos.DatabaseAccountsClient, error) {
			if sub != spec.SubscriptionID {
				t.Errorf("client for subscription %q", sub)
			}
			return armcosmos.NewDatabaseAccountsClient(sub, &azfake.TokenCredential{}, &arm.ClientOptions{
				ClientOptions: azcore.ClientOptions{Transport: fake.NewDatabaseAccountsServerTransport(&srv)}})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return inj
}

func (a *account) wantChanges(t *testing.T, want ...string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if strings.Join(a.changes, " | ") != strings.Join(want, " | ") {
		t.Errorf("changes %q, want %q", a.changes, want)
	}
	a.changes = nil
}

func TestFailoverThenRestore(t *testing.T) {
	ctx := context.Background()
	a := &account{order: []string{"East US", "Central US", "West Europe"}}
	inj := a.injector(t, spec)
	f, err := inj.Inject(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// West Europe takes priority 0 and East US its 2; Central US keeps 1.
	a.wantChanges(t, "West Europe,Central US,East US")
	if f.Injected.Before(f.Issued) || f.Undo != "make eastus the write region of Cosmos DB account shop-db again" {
		t.Errorf("fault %+v", f)
	}
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	a.wantChanges(t, "East US,Central US,West Europe")
}

func TestDefaultFailoverIsPriorityOne(t *testing.T) {
	ctx := context.Background()
	a := &account{order: []string{"East US", "Central US", "West Europe"}}
	s := spec
	s.FailoverTo = ""
	if _, err := a.injector(t, s).Inject(ctx); err != nil {
		t.Fatal(err)
	}
	a.wantChanges(t, "Central US,East US,West Europe")
}

func TestIdempotent(t *testing.T) {
	ctx := context.Background()
	a := &account{order: []string{"East US", "West Europe"}}
	inj := a.injector(t, spec)
	first, err := inj.Inject(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := inj.Inject(ctx)
	if err != nil {
		t.Fatalf("second inject: %v", err)
	}
	if !second.Injected.Equal(first.Injected) {
		t.Errorf("second inject at %v, want the first's %v", second.Injected, first.Injected)
	}
	a.wantChanges(t, "West Europe,East US")
	for range 2 {
		if err := inj.Heal(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a.wantChanges(t, "East US,West Europe")
}

func TestHealFromFreshInjector(t *testing.T) {
	// `slocheck heal DIR` after a crash: a new injector from the spec, no memory.
	ctx := context.Background()
	a := &account{order: []string{"East US", "Central US", "West Europe"}}
	if _, err := a.injector(t, spec).Inject(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.injector(t, spec).Heal(ctx); err != nil {
		t.Fatal(err)
	}
	a.wantChanges(t, "West Europe,Central US,East US", "East US,Central US,West Europe")
	if err := a.injector(t, spec).Heal(ctx); err != nil {
		t.Fatal(err)
	}
	a.wantChanges(t) // healthy: nothing to change
}

func TestNotWriteRegionIsRefusedAndLeftAlone(t *testing.T) {
	ctx := context.Background()
	a := &account{order: []string{"West Europe", "East US"}}
	inj := a.injector(t, spec)
	_, err := inj.Inject(ctx)
	if !errors.Is(err, cosmosfault.ErrNotWriteRegion) || !strings.Contains(err.Error(), "the write region is West Europe") {
		t.Fatalf("inject: %v", err)
	}
	if err := inj.Heal(ctx); err != nil { // the runner heals a failed inject too
		t.Fatal(err)
	}
	a.wantChanges(t)
}

func TestMultiWriteIsRefused(t *testing.T) {
	a := &account{order: []string{"East US", "West Europe"}, multiWrite: true}
	inj := a.injector(t, spec)
	if _, err := inj.Inject(context.Background()); !errors.Is(err, cosmosfault.ErrMultiWrite) {
		t.Fatalf("inject on a multi-write account: %v", err)
	}
	if err := inj.Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.wantChanges(t)
}

func TestErrorsCarryContext(t *testing.T) {
	ctx := context.Background()
	a := &account{order: []string{"East US", "West Europe"}, failChange: http.StatusPreconditionFailed}
	_, err := a.injector(t, spec).Inject(ctx)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusPreconditionFailed ||
		!strings.Contains(err.Error(), "change failover priorities of shop-db to East US=1, West Europe=0") {
		t.Fatalf("inject with a refused change: %v", err)
	}
	s := spec
	s.FailoverTo = "northeurope"
	_, err = a.injector(t, s).Inject(ctx)
	if err == nil || !strings.Contains(err.Error(), "want two of the account's regions (East US, West Europe)") {
		t.Fatalf("failover to a region the account lacks: %v", err)
	}
	one := &account{order: []string{"East US"}}
	if _, err := one.injector(t, spec).Inject(ctx); err == nil || !strings.Contains(err.Error(), "1 region(s)") {
		t.Fatalf("single-region account: %v", err)
	}
	a.wantChanges(t)
}

func TestNewChecksSpec(t *testing.T) {
	s := spec
	s.FailoverTo = "East US"
	if _, err := cosmosfault.New(s, cosmosfault.Config{}); err == nil {
		t.Error("failover to the faulted region accepted")
	}
	s = spec
	s.Region = ""
	if _, err := cosmosfault.New(s, cosmosfault.Config{}); err == nil {
		t.Error("spec without a region accepted")
	}
	inj, err := chaos.Build(chaos.Spec{Kind: chaos.KindCosmos, Name: "c", Cosmos: &spec}, chaos.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inj.(*cosmosfault.Injector); !ok {
		t.Errorf("built %T", inj)
	}
}
