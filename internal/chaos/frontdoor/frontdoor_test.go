package frontdoor_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cdn/armcdn/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cdn/armcdn/v2/fake"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/frontdoor"
)

var spec = chaos.FrontDoorSpec{
	SubscriptionID: "00000000-0000-0000-0000-000000000001", ResourceGroup: "shop-rg",
	Profile: "shop-fd", OriginGroup: "shop", Origin: "eastus",
}

// origin is one Front Door origin behind armcdn's fake server: it keeps its
// enabled state, logs every call, and can fail the next Get or update.
type origin struct {
	mu        sync.Mutex
	state     armcdn.EnabledState // "" means Azure omits it (the default, Enabled)
	calls     []string            // "get" or "update Enabled|Disabled"
	subs      []string            // the subscription each client was made for
	failGet   int                 // HTTP status for the next Get (0: answer)
	failPatch int                 // HTTP status for the next update
}

func (o *origin) log(call string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, call)
}

func (o *origin) server(t *testing.T) fake.AFDOriginsServer {
	want := []string{spec.ResourceGroup, spec.Profile, spec.OriginGroup, spec.Origin}
	check := func(got ...string) {
		if strings.Join(got, "/") != strings.Join(want, "/") {
			t.Errorf("request for %v, want %v", got, want)
		}
	}
	return fake.AFDOriginsServer{
		Get: func(_ context.Context, rg, profile, group, name string, _ *armcdn.AFDOriginsClientGetOptions) (resp azfake.Responder[armcdn.AFDOriginsClientGetResponse], errResp azfake.ErrorResponder) {
			check(rg, profile, group, name)
			o.log("get")
			o.mu.Lock()
			defer o.mu.Unlock()
			if o.failGet != 0 {
				errResp.SetResponseError(o.failGet, "AuthorizationFailed")
				o.failGet = 0
				return resp, errResp
			}
			props := &armcdn.AFDOriginProperties{HostName: new("shop-eastus.example.com")}
			if o.state != "" {
				props.EnabledState = new(o.state)
			}
			resp.SetResponse(http.StatusOK, armcdn.AFDOriginsClientGetResponse{AFDOrigin: armcdn.AFDOrigin{Name: new(name), Properties: props}}, nil)
			return resp, errResp
		},
		BeginUpdate: func(_ context.Context, rg, profile, group, name string, p armcdn.AFDOriginUpdateParameters, _ *armcdn.AFDOriginsClientBeginUpdateOptions) (resp azfake.PollerResponder[armcdn.AFDOriginsClientUpdateResponse], errResp azfake.ErrorResponder) {
			check(rg, profile, group, name)
			if p.Properties == nil || p.Properties.EnabledState == nil {
				t.Errorf("update without an enabled state: %+v", p)
				return resp, errResp
			}
			o.log("update " + string(*p.Properties.EnabledState))
			o.mu.Lock()
			defer o.mu.Unlock()
			if o.failPatch != 0 {
				// Refused at once, as ARM refuses a conflicting update. (A
				// terminal poller error would stick in the fake's tracker.)
				errResp.SetResponseError(o.failPatch, "Conflict")
				o.failPatch = 0
				return resp, errResp
			}
			resp.AddNonTerminalResponse(http.StatusAccepted, nil) // makes the injector poll
			o.state = *p.Properties.EnabledState
			resp.SetTerminalResponse(http.StatusOK, armcdn.AFDOriginsClientUpdateResponse{AFDOrigin: armcdn.AFDOrigin{
				Name: new(name), Properties: &armcdn.AFDOriginProperties{EnabledState: new(o.state)}}}, nil)
			return resp, errResp
		},
	}
}

// injector returns an injector of spec talking to o through the fake server.
func (o *origin) injector(t *testing.T) *frontdoor.Injector {
	t.Helper()
	srv := o.server(t)
	inj, err := frontdoor.New(spec, frontdoor.Config{
		PollFrequency: time.Millisecond,
		NewClient: func(sub string) (*armcdn.AFDOriginsClient, error) {
			o.mu.Lock()
			o.subs = append(o.subs, sub)
			o.mu.Unlock()
			return armcdn.NewAFDOriginsClient(sub, &azfake.TokenCredential{}, &arm.ClientOptions{
				ClientOptions: azcore.ClientOptions{Transport: fake.NewAFDOriginsServerTransport(&srv)},
			})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return inj
}

func (o *origin) takeCalls() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.calls
	o.calls = nil
	return c
}

func (o *origin) State() armcdn.EnabledState {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.state
}

func wantCalls(t *testing.T, o *origin, want ...string) {
	t.Helper()
	if got := o.takeCalls(); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("calls %q, want %q", got, want)
	}
}

func TestInjectDisablesAndHealEnables(t *testing.T) {
	ctx := context.Background()
	o := &origin{} // Azure omits enabledState: enabled
	inj := o.injector(t)

	before := time.Now()
	f, err := inj.Inject(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls(t, o, "get", "update Disabled")
	if o.State() != armcdn.EnabledStateDisabled {
		t.Fatalf("origin %q after inject, want Disabled", o.State())
	}
	if f.Issued.Before(before) || f.Injected.Before(f.Issued) || f.Injected.After(time.Now()) {
		t.Errorf("fault instants issued %v injected %v, want before <= issued <= injected <= now", f.Issued, f.Injected)
	}
	if f.Undo != "enable Front Door origin shop-fd/shop/eastus" {
		t.Errorf("undo %q", f.Undo)
	}

	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, o, "get", "update Enabled")
	if o.State() != armcdn.EnabledStateEnabled {
		t.Fatalf("origin %q after heal, want Enabled", o.State())
	}
	if len(o.subs) != 1 || o.subs[0] != spec.SubscriptionID {
		t.Errorf("clients made for %q, want one for %s", o.subs, spec.SubscriptionID)
	}
}

func TestIdempotent(t *testing.T) {
	ctx := context.Background()
	o := &origin{state: armcdn.EnabledStateEnabled}
	inj := o.injector(t)
	first, err := inj.Inject(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := inj.Inject(ctx)
	if err != nil {
		t.Fatalf("second inject: %v", err)
	}
	wantCalls(t, o, "get", "update Disabled", "get")
	if !second.Injected.Equal(first.Injected) {
		t.Errorf("second inject reports %v, want the first injection's instant %v", second.Injected, first.Injected)
	}
	for range 2 {
		if err := inj.Heal(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wantCalls(t, o, "get", "update Enabled", "get")
}

func TestAlreadyDisabledIsRefusedAndLeftAlone(t *testing.T) {
	ctx := context.Background()
	o := &origin{state: armcdn.EnabledStateDisabled}
	inj := o.injector(t)
	_, err := inj.Inject(ctx)
	if !errors.Is(err, frontdoor.ErrAlreadyDisabled) || !strings.Contains(err.Error(), "shop-fd/shop/eastus") {
		t.Fatalf("inject of a disabled origin: %v, want ErrAlreadyDisabled naming the origin", err)
	}
	// The runner heals a failed injection too: this one must not enable
	// an origin that someone else disabled.
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, o, "get")
	if o.State() != armcdn.EnabledStateDisabled {
		t.Errorf("origin %q, want still Disabled", o.State())
	}
}

func TestHealFromFreshInjector(t *testing.T) {
	// A run disabled the origin and died; `slocheck heal DIR` builds a new
	// injector from the spec in faults.json.
	o := &origin{}
	if _, err := o.injector(t).Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	o.takeCalls()
	if err := o.injector(t).Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, o, "get", "update Enabled")
	if o.State() != armcdn.EnabledStateEnabled {
		t.Errorf("origin %q, want Enabled", o.State())
	}
}

func TestErrorsCarryContext(t *testing.T) {
	ctx := context.Background()
	o := &origin{failGet: http.StatusForbidden}
	inj := o.injector(t)
	_, err := inj.Inject(ctx)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden || !strings.Contains(err.Error(), "get origin shop-fd/shop/eastus") {
		t.Fatalf("inject with a failing get: %v, want a wrapped 403 naming the origin", err)
	}
	wantCalls(t, o, "get")

	o.failPatch = http.StatusConflict
	_, err = inj.Inject(ctx)
	if !errors.As(err, &re) || re.StatusCode != http.StatusConflict || !strings.Contains(err.Error(), "set origin shop-fd/shop/eastus Disabled") {
		t.Fatalf("inject with a failing update: %v, want a wrapped 409", err)
	}
	// The failed update may have half-worked: the heal still enables.
	o.state = armcdn.EnabledStateDisabled
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, o, "get", "update Disabled", "get", "update Enabled")
}

func TestClientErrorSurfaces(t *testing.T) {
	inj, err := frontdoor.New(spec, frontdoor.Config{NewClient: func(string) (*armcdn.AFDOriginsClient, error) {
		return nil, errors.New("no credential")
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := inj.Heal(context.Background()); err == nil || !strings.Contains(err.Error(), "no credential") {
		t.Errorf("heal without a client: %v", err)
	}
}

func TestBuildFromSpec(t *testing.T) {
	inj, err := chaos.Build(chaos.Spec{Kind: chaos.KindFrontDoor, Name: "fd", FrontDoor: &spec}, chaos.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inj.(*frontdoor.Injector); !ok {
		t.Errorf("built %T", inj)
	}
	if _, err := chaos.Build(chaos.Spec{Kind: chaos.KindFrontDoor, Name: "fd"}, chaos.Env{}); err == nil {
		t.Error("built a frontdoor fault without its configuration")
	}
	bad := spec
	bad.Origin = ""
	if _, err := frontdoor.New(bad, frontdoor.Config{}); err == nil || !strings.Contains(err.Error(), "origin is empty") {
		t.Errorf("spec without an origin: %v", err)
	}
}
