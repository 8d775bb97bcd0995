// Package chaosstudio runs an Azure Chaos Studio experiment as a slocheck
// fault: Inject starts the experiment (armchaos ExperimentsClient.BeginStart)
// and waits until its new execution reports running; Heal cancels it
// (BeginCancel) and waits until the cancellation is done. The experiment
// itself (its steps, targets and durations) is defined in Azure, typically as
// code (terraform/); slocheck only drives and times it.
//
// Idempotence comes from the experiment's executions: Heal cancels only when
// an execution is still active, so healing a finished or cancelled experiment
// does nothing, and a heal from any process (also `slocheck heal DIR`) works
// without stored state. An experiment already running when Inject is called,
// not started by this injector, is refused (ErrAlreadyRunning) and left alone.
// Credentials come from azidentity's default chain.
package chaosstudio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/chaos/armchaos"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/armclient"
)

const (
	// DefaultPollFrequency is how often executions and the cancellation are
	// polled when Azure sends no Retry-After.
	DefaultPollFrequency = time.Second
	// DefaultStartTimeout bounds the wait for a started execution to run.
	DefaultStartTimeout = 5 * time.Minute
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrAlreadyRunning is returned by Inject when the experiment has an
	// active execution this injector did not start.
	ErrAlreadyRunning = errors.New("experiment already running")
	// ErrNotRunning is returned by Inject when the started execution ended
	// (failed, cancelled) or did not reach running in time.
	ErrNotRunning = errors.New("experiment did not run")
)

// terminal are the execution statuses of an execution that is over;
// any other (queued, preprocessing, running, cancelling, …) is active.
var terminal = []string{"success", "succeeded", "completed", "failed", "cancelled", "canceled"}

// Config holds what the injector needs besides its spec.
type Config struct {
	// NewClient makes the ARM client for a subscription; nil means
	// DefaultClient (azidentity's default credential chain).
	NewClient func(subscriptionID string) (*armchaos.ExperimentsClient, error)
	// PollFrequency: 0 means DefaultPollFrequency.
	PollFrequency time.Duration
	// StartTimeout: 0 means DefaultStartTimeout.
	StartTimeout time.Duration
}

// DefaultClient returns an ExperimentsClient for subscriptionID that
// authenticates with azidentity's default credential chain.
func DefaultClient(subscriptionID string) (*armchaos.ExperimentsClient, error) {
	return armclient.New(subscriptionID, armchaos.NewExperimentsClient)
}

// what this injector knows of the experiment.
type knowledge int

const (
	unknown knowledge = iota // built from a spec, nothing done yet
	started                  // this injector started it (or tried to)
	refused                  // someone else's execution was running: heal leaves it
)

// Injector starts and cancels one Chaos Studio experiment.
type Injector struct {
	spec chaos.ChaosStudioSpec
	cfg  Config

	mu       sync.Mutex
	client   *armchaos.ExperimentsClient
	known    knowledge
	injected time.Time
}

var _ chaos.Injector = (*Injector)(nil)

func init() {
	chaos.Register(chaos.KindChaosStudio, func(s chaos.Spec, _ chaos.Env) (chaos.Injector, error) {
		if s.ChaosStudio == nil {
			return nil, errors.New("chaos-studio fault: no chaos_studio configuration")
		}
		return New(*s.ChaosStudio, Config{})
	})
}

// New returns the fault spec describes. No Azure call is made until Inject or
// Heal.
func New(spec chaos.ChaosStudioSpec, cfg Config) (*Injector, error) {
	if err := armclient.Required("chaos-studio", armclient.Field{Name: "subscription_id", Value: spec.SubscriptionID},
		armclient.Field{Name: "resource_group", Value: spec.ResourceGroup}, armclient.Field{Name: "experiment", Value: spec.Experiment}); err != nil {
		return nil, err
	}
	if cfg.NewClient == nil {
		cfg.NewClient = DefaultClient
	}
	if cfg.PollFrequency <= 0 {
		cfg.PollFrequency = DefaultPollFrequency
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	return &Injector{spec: spec, cfg: cfg}, nil
}

// execution is one execution of the experiment.
type execution struct {
	name, status string
}

func (e execution) active() bool {
	for _, s := range terminal {
		if strings.EqualFold(e.status, s) {
			return false
		}
	}
	return true
}

// Inject starts the experiment and returns once its new execution reports
// running: that instant is the fault's. A second Inject of this injector
// changes nothing.
func (i *Injector) Inject(ctx context.Context) (chaos.Fault, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	issued := time.Now()
	undo := "cancel Chaos Studio experiment " + i.name()
	before, err := i.executions(ctx)
	if err != nil {
		return chaos.Fault{}, err
	}
	if e, ok := firstActive(before); ok {
		if i.known != started {
			i.known = refused
			return chaos.Fault{}, fmt.Errorf("chaos-studio: %s: %w (execution %s is %s; cancel it first)", i.name(), ErrAlreadyRunning, e.name, e.status)
		}
		return chaos.Fault{Issued: issued, Injected: i.injected, Undo: undo}, nil
	}
	c, err := i.clientLocked()
	if err != nil {
		return chaos.Fault{}, err
	}
	i.known = started // set before the request: a start that half-worked is healed too
	// The start's own long-running operation is not awaited: the executions
	// say when the experiment runs, and when it ended.
	if _, err := c.BeginStart(ctx, i.spec.ResourceGroup, i.spec.Experiment, nil); err != nil {
		return chaos.Fault{}, fmt.Errorf("chaos-studio: start experiment %s: %w", i.name(), err)
	}
	if err := i.awaitRunning(ctx, before); err != nil {
		return chaos.Fault{}, err
	}
	i.injected = time.Now()
	return chaos.Fault{Issued: issued, Injected: i.injected, Undo: undo}, nil
}

// awaitRunning polls the executions until one not in before reports running.
func (i *Injector) awaitRunning(ctx context.Context, before []execution) error {
	ctx, cancel := context.WithTimeout(ctx, i.cfg.StartTimeout)
	defer cancel()
	last := "not listed yet"
	for {
		now, err := i.executions(ctx)
		if err != nil && ctx.Err() == nil {
			return err
		}
		if e, ok := newExecution(before, now); ok {
			last = e.status
			switch {
			case strings.EqualFold(e.status, "running"):
				return nil
			case !e.active():
				return fmt.Errorf("chaos-studio: %s: %w: execution %s is %s", i.name(), ErrNotRunning, e.name, e.status)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("chaos-studio: %s: %w within %s: new execution %s", i.name(), ErrNotRunning, i.cfg.StartTimeout, last)
		case <-time.After(i.cfg.PollFrequency):
		}
	}
}

// Heal cancels the experiment when an execution is active and waits until
// the cancellation is done; with none active it does nothing.
func (i *Injector) Heal(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.known == refused {
		return nil
	}
	execs, err := i.executions(ctx)
	if err != nil {
		return err
	}
	if _, ok := firstActive(execs); !ok {
		return nil
	}
	c, err := i.clientLocked()
	if err != nil {
		return err
	}
	poller, err := c.BeginCancel(ctx, i.spec.ResourceGroup, i.spec.Experiment, nil)
	if err == nil {
		_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: i.cfg.PollFrequency})
	}
	if err != nil {
		// It may have ended by itself meanwhile: then there is nothing to heal.
		if execs, lerr := i.executions(ctx); lerr == nil {
			if _, ok := firstActive(execs); !ok {
				return nil
			}
		}
		return fmt.Errorf("chaos-studio: cancel experiment %s: %w", i.name(), err)
	}
	return nil
}

// executions lists the experiment's executions.
func (i *Injector) executions(ctx context.Context) ([]execution, error) {
	c, err := i.clientLocked()
	if err != nil {
		return nil, err
	}
	var out []execution
	pager := c.NewListAllExecutionsPager(i.spec.ResourceGroup, i.spec.Experiment, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("chaos-studio: list executions of %s: %w", i.name(), err)
		}
		for _, e := range page.Value {
			if e == nil || e.Name == nil {
				continue
			}
			x := execution{name: *e.Name}
			if e.Properties != nil && e.Properties.Status != nil {
				x.status = *e.Properties.Status
			}
			out = append(out, x)
		}
	}
	return out, nil
}

func firstActive(execs []execution) (execution, bool) {
	for _, e := range execs {
		if e.active() {
			return e, true
		}
	}
	return execution{}, false
}

// newExecution returns the execution in now that is not in before.
func newExecution(before, now []execution) (execution, bool) {
	seen := make(map[string]bool, len(before))
	for _, e := range before {
		seen[e.name] = true
	}
	for _, e := range now {
		if !seen[e.name] {
			return e, true
		}
	}
	return execution{}, false
}

func (i *Injector) name() string { return i.spec.ResourceGroup + "/" + i.spec.Experiment }

// clientLocked makes the ARM client on first use; i.mu is held.
func (i *Injector) clientLocked() (*armchaos.ExperimentsClient, error) {
	if i.client != nil {
		return i.client, nil
	}
	c, err := i.cfg.NewClient(i.spec.SubscriptionID)
	if err != nil {
		return nil, fmt.Errorf("chaos-studio: client for subscription %s: %w", i.spec.SubscriptionID, err)
	}
	i.client = c
	return c, nil
}
