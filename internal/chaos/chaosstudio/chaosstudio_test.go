package chaosstudio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/chaos/armchaos"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/chaos/armchaos/fake"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/chaosstudio"
)

var spec = chaos.ChaosStudioSpec{SubscriptionID: "00000000-0000-0000-0000-000000000002", ResourceGroup: "chaos-rg", Experiment: "eastus-outage"}

// experiment is a Chaos Studio experiment behind armchaos's fake server. A
// start adds an execution that walks through the statuses in startSeq, one
// per listing; a cancel ends every active execution as Cancelled.
type experiment struct {
	mu        sync.Mutex
	execs     []*exec
	startSeq  []string // statuses a started execution goes through
	calls     []string // "list", "start", "cancel"
	failStart int      // HTTP status for the next start (0: accept)
}

type exec struct {
	name   string
	status string
	next   []string // statuses still to come, one per listing
}

func (x *experiment) log(c string) { x.calls = append(x.calls, c) }

func (x *experiment) server(t *testing.T) fake.ExperimentsServer {
	check := func(rg, name string) {
		if rg != spec.ResourceGroup || name != spec.Experiment {
			t.Errorf("request for %s/%s", rg, name)
		}
	}
	return fake.ExperimentsServer{
		NewListAllExecutionsPager: func(rg, name string, _ *armchaos.ExperimentsClientListAllExecutionsOptions) (resp azfake.PagerResponder[armchaos.ExperimentsClientListAllExecutionsResponse]) {
			check(rg, name)
			x.mu.Lock()
			defer x.mu.Unlock()
			x.log("list")
			var page armchaos.ExperimentsClientListAllExecutionsResponse
			for _, e := range x.execs {
				if len(e.next) > 0 {
					e.status, e.next = e.next[0], e.next[1:]
				}
				page.Value = append(page.Value, &armchaos.ExperimentExecution{
					Name: new(e.name), Properties: &armchaos.ExperimentExecutionProperties{Status: new(e.status)}})
			}
			resp.AddPage(http.StatusOK, page, nil)
			return resp
		},
		BeginStart: func(_ context.Context, rg, name string, _ *armchaos.ExperimentsClientBeginStartOptions) (resp azfake.PollerResponder[armchaos.ExperimentsClientStartResponse], errResp azfake.ErrorResponder) {
			check(rg, name)
			x.mu.Lock()
			defer x.mu.Unlock()
			x.log("start")
			if x.failStart != 0 {
				errResp.SetResponseError(x.failStart, "AuthorizationFailed")
				return resp, errResp
			}
			x.execs = append(x.execs, &exec{name: fmt.Sprintf("exec-%d", len(x.execs)+1), next: append([]string(nil), x.startSeq...)})
			resp.SetTerminalResponse(http.StatusAccepted, armchaos.ExperimentsClientStartResponse{}, nil)
			return resp, errResp
		},
		BeginCancel: func(_ context.Context, rg, name string, _ *armchaos.ExperimentsClientBeginCancelOptions) (resp azfake.PollerResponder[armchaos.ExperimentsClientCancelResponse], errResp azfake.ErrorResponder) {
			check(rg, name)
			x.mu.Lock()
			defer x.mu.Unlock()
			x.log("cancel")
			for _, e := range x.execs {
				switch strings.ToLower(e.status) {
				case "success", "failed", "cancelled":
				default:
					e.status, e.next = "Cancelled", nil
				}
			}
			resp.AddNonTerminalResponse(http.StatusAccepted, nil) // makes the injector poll
			resp.SetTerminalResponse(http.StatusAccepted, armchaos.ExperimentsClientCancelResponse{}, nil)
			return resp, errResp
		},
	}
}

func (x *experiment) injector(t *testing.T, cfg chaosstudio.Config) *chaosstudio.Injector {
	t.Helper()
	srv := x.server(t)
	cfg.PollFrequency = time.Millisecond
	cfg.NewClient = func(sub string) (*armchaos.ExperimentsClient, error) {
		if sub != spec.SubscriptionID {
			t.Errorf("client for subscription %q", sub)
		}
		return armchaos.NewExperimentsClient(sub, &azfake.TokenCredential{}, &arm.ClientOptions{
			ClientOptions: azcore.ClientOptions{Transport: fake.NewExperimentsServerTransport(&srv)}})
	}
	inj, err := chaosstudio.New(spec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return inj
}

func (x *experiment) wantCalls(t *testing.T, want ...string) {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	if got := strings.Join(x.calls, ", "); got != strings.Join(want, ", ") {
		t.Errorf("calls %s, want %s", got, strings.Join(want, ", "))
	}
	x.calls = nil
}

func (x *experiment) statuses() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	var s []string
	for _, e := range x.execs {
		s = append(s, e.name+"="+e.status)
	}
	return strings.Join(s, " ")
}

func TestStartThenCancel(t *testing.T) {
	ctx := context.Background()
	// One earlier execution succeeded: finished executions do not count.
	x := &experiment{execs: []*exec{{name: "exec-0", status: "Success"}}, startSeq: []string{"PreProcessingQueued", "PreProcessing", "Running"}}
	inj := x.injector(t, chaosstudio.Config{})
	f, err := inj.Inject(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The fault's instant is when the new execution ran, not when it was queued.
	x.wantCalls(t, "list", "start", "list", "list", "list")
	if got := x.statuses(); got != "exec-0=Success exec-2=Running" {
		t.Errorf("executions %s", got)
	}
	if f.Injected.Before(f.Issued) || f.Undo != "cancel Chaos Studio experiment chaos-rg/eastus-outage" {
		t.Errorf("fault %+v", f)
	}
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	x.wantCalls(t, "list", "cancel")
	if got := x.statuses(); got != "exec-0=Success exec-2=Cancelled" {
		t.Errorf("executions after heal %s", got)
	}
}

func TestIdempotent(t *testing.T) {
	ctx := context.Background()
	x := &experiment{startSeq: []string{"Running"}}
	inj := x.injector(t, chaosstudio.Config{})
	first, err := inj.Inject(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := inj.Inject(ctx)
	if err != nil {
		t.Fatalf("second inject: %v", err)
	}
	x.wantCalls(t, "list", "start", "list", "list") // no second start
	if !second.Injected.Equal(first.Injected) {
		t.Errorf("second inject at %v, want the first's %v", second.Injected, first.Injected)
	}
	for range 2 {
		if err := inj.Heal(ctx); err != nil {
			t.Fatal(err)
		}
	}
	x.wantCalls(t, "list", "cancel", "list") // nothing left to cancel the second time
}

func TestHealOfFinishedExperimentIsHarmless(t *testing.T) {
	x := &experiment{execs: []*exec{{name: "e", status: "Success"}, {name: "f", status: "Failed"}}}
	// A fresh injector, as `slocheck heal DIR` builds from faults.json.
	if err := x.injector(t, chaosstudio.Config{}).Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	x.wantCalls(t, "list")
}

func TestHealFromFreshInjectorCancels(t *testing.T) {
	x := &experiment{startSeq: []string{"Running"}}
	if _, err := x.injector(t, chaosstudio.Config{}).Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	x.wantCalls(t, "list", "start", "list")
	if err := x.injector(t, chaosstudio.Config{}).Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	x.wantCalls(t, "list", "cancel")
	if got := x.statuses(); got != "exec-1=Cancelled" {
		t.Errorf("executions %s", got)
	}
}

func TestAlreadyRunningIsRefusedAndLeftAlone(t *testing.T) {
	ctx := context.Background()
	x := &experiment{execs: []*exec{{name: "theirs", status: "Running"}}}
	inj := x.injector(t, chaosstudio.Config{})
	_, err := inj.Inject(ctx)
	if !errors.Is(err, chaosstudio.ErrAlreadyRunning) || !strings.Contains(err.Error(), "theirs is Running") {
		t.Fatalf("inject while running: %v", err)
	}
	if err := inj.Heal(ctx); err != nil { // the runner heals a failed inject too
		t.Fatal(err)
	}
	x.wantCalls(t, "list")
	if got := x.statuses(); got != "theirs=Running" {
		t.Errorf("executions %s", got)
	}
}

func TestExecutionThatFailsIsAnError(t *testing.T) {
	x := &experiment{startSeq: []string{"PreProcessingQueued", "Failed"}}
	_, err := x.injector(t, chaosstudio.Config{}).Inject(context.Background())
	if !errors.Is(err, chaosstudio.ErrNotRunning) || !strings.Contains(err.Error(), "exec-1 is Failed") {
		t.Fatalf("inject of a failing experiment: %v", err)
	}
}

func TestExecutionThatNeverRunsTimesOut(t *testing.T) {
	x := &experiment{startSeq: []string{"PreProcessingQueued"}}
	_, err := x.injector(t, chaosstudio.Config{StartTimeout: 50 * time.Millisecond}).Inject(context.Background())
	if !errors.Is(err, chaosstudio.ErrNotRunning) || !strings.Contains(err.Error(), "PreProcessingQueued") {
		t.Fatalf("inject of a stuck experiment: %v", err)
	}
}

func TestStartErrorCarriesContext(t *testing.T) {
	x := &experiment{failStart: http.StatusForbidden}
	_, err := x.injector(t, chaosstudio.Config{}).Inject(context.Background())
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden || !strings.Contains(err.Error(), "start experiment chaos-rg/eastus-outage") {
		t.Fatalf("inject with a refused start: %v", err)
	}
}

func TestBuildFromSpec(t *testing.T) {
	inj, err := chaos.Build(chaos.Spec{Kind: chaos.KindChaosStudio, Name: "cs", ChaosStudio: &spec}, chaos.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inj.(*chaosstudio.Injector); !ok {
		t.Errorf("built %T", inj)
	}
	if _, err := chaosstudio.New(chaos.ChaosStudioSpec{SubscriptionID: "s", ResourceGroup: "rg"}, chaosstudio.Config{}); err == nil {
		t.Error("spec without an experiment accepted")
	}
}
