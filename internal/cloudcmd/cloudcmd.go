// Package cloudcmd is the command line of slocheck-cloud, slocheck's
// companion: it runs the injectors that need Kubernetes or Azure Resource
// Manager clients (aks, frontdoor, chaos-studio, cosmos), one action per
// process, for slocheck's cloudfault proxy (protocol in package cloudfault),
// the OTLP exporter of `slocheck run --otlp-endpoint` (package expofeed),
// the bearer token of target.auth (token) and the Cosmos DB data tier
// (cosmos, protocol in package cosmos).
package cloudcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/buildinfo"
	"github.com/slocheck/slocheck/internal/chaos"
	// Each registers its kind with chaos.Register in its init.
	_ "github.com/slocheck/slocheck/internal/chaos/aks"
	"github.com/slocheck/slocheck/internal/chaos/chaosstudio"
	"github.com/slocheck/slocheck/internal/chaos/cloudfault"
	"github.com/slocheck/slocheck/internal/chaos/cosmosfault"
	"github.com/slocheck/slocheck/internal/chaos/frontdoor"
	"github.com/slocheck/slocheck/internal/companion"
)

// Exit codes: 0 the action succeeded, 1 it failed, 2 the request was wrong
// (another build, a bad spec).
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// maxRequest bounds the request read on stdin.
const maxRequest = 1 << 20

// IO is the companion's standard streams.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run runs the companion with args (without the program name) and returns
// its exit code.
func Run(ctx context.Context, args []string, stdio IO) int {
	code := exitOK
	root := &cobra.Command{
		Use:   companion.Program,
		Short: "slocheck's companion: the AKS, Front Door, Chaos Studio and Cosmos DB injectors, the OTLP exporter, bearer tokens and Cosmos DB data access",
		Long: `slocheck-cloud runs the parts of slocheck that need large client libraries:
the fault injectors that need Kubernetes or Azure Resource Manager clients
(aks, frontdoor, chaos-studio, cosmos), which slocheck starts once per check,
inject or heal (the fault on stdin, JSON as a run's faults.json stores it; the
answer on stdout; messages on stderr), and the OTLP exporter of
slocheck run --otlp-endpoint (otlp), the bearer token of
target.auth.bearer_scope from azidentity's default chain (token), and the
Cosmos DB reads and writes of target.cosmos and slocheck shop --cosmos-endpoint
(cosmos). You do not run it by hand: install it beside slocheck, from the same
build.`,
		Example:       "  slocheck-cloud version",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print slocheck-cloud's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(stdio.Out, "%s %s %s/%s %s\n", companion.Program, buildinfo.String(), runtime.GOOS, runtime.GOARCH, runtime.Version())
			return err
		},
	})
	for _, action := range []string{cloudfault.ActionCheck, cloudfault.ActionInject, cloudfault.ActionHeal} {
		root.AddCommand(&cobra.Command{
			Use:   action,
			Short: actionHelp[action],
			Args:  cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) {
				code = serve(cmd.Context(), action, stdio)
			},
		})
	}
	root.AddCommand(newOTLPCmd(stdio, &code))
	root.AddCommand(newTokenCmd(stdio, &code))
	root.AddCommand(newCosmosCmd(stdio, &code))
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stdio.Err, "Error: %v\n", err)
		return exitUsage
	}
	return code
}

var actionHelp = map[string]string{
	cloudfault.ActionCheck:  "Check the fault on stdin (builds its injector; no cloud call)",
	cloudfault.ActionInject: "Inject the fault on stdin",
	cloudfault.ActionHeal:   "Heal the fault on stdin",
}

// serve runs one action on the request read from stdin, writes the answer
// and returns the exit code.
func serve(ctx context.Context, action string, stdio IO) int {
	a := cloudfault.Answer{Version: buildinfo.String()}
	code := exitOK
	if err := act(ctx, action, stdio, &a); err != nil {
		var u usageError
		code = exitFailed
		if errors.As(err, &u) {
			code = exitUsage
		}
		a.Error = err.Error()
		fmt.Fprintf(stdio.Err, "%s %s: %v\n", companion.Program, action, err)
	}
	if err := json.NewEncoder(stdio.Out).Encode(a); err != nil {
		fmt.Fprintf(stdio.Err, "%s %s: answer: %v\n", companion.Program, action, err)
		return exitFailed
	}
	return code
}

// usageError is a request slocheck-cloud will not serve.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// act reads the request, builds the injector and runs action, filling a.
func act(ctx context.Context, action string, stdio IO, a *cloudfault.Answer) error {
	var req cloudfault.Request
	if err := json.NewDecoder(io.LimitReader(stdio.In, maxRequest)).Decode(&req); err != nil {
		return usageError{fmt.Errorf("request: %w", err)}
	}
	if req.Version != a.Version {
		return usageError{fmt.Errorf("%w: slocheck %s asks, this is %s %s", companion.ErrOtherBuild, req.Version, companion.Program, a.Version)}
	}
	if !slices.Contains(cloudfault.Kinds, req.Spec.Kind) {
		return usageError{fmt.Errorf("fault %q: kind %q is not one of %s's (%v)", req.Spec.Name, req.Spec.Kind, companion.Program, cloudfault.Kinds)}
	}
	inj, err := chaos.Build(req.Spec, chaos.Env{RunDir: req.RunDir, Stdout: stdio.Err, Stderr: stdio.Err})
	if err != nil {
		return usageError{err}
	}
	switch action {
	case cloudfault.ActionInject:
		f, err := inj.Inject(ctx)
		if err != nil {
			a.Refused = errors.Is(err, frontdoor.ErrAlreadyDisabled) || errors.Is(err, chaosstudio.ErrAlreadyRunning) ||
				errors.Is(err, cosmosfault.ErrNotWriteRegion) || errors.Is(err, cosmosfault.ErrMultiWrite)
			a.AlreadyFaulted = a.Refused && !errors.Is(err, cosmosfault.ErrMultiWrite)
			return err
		}
		a.Fault = cloudfault.WireFault(f)
	case cloudfault.ActionHeal:
		return inj.Heal(ctx)
	}
	return nil
}
