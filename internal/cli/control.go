package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/internal/runner"
)

func init() { commands = append(commands, newMarkCmd, newAbortCmd) }

// liveFlags are run's flags for the control API, metrics and live page.
type liveFlags struct {
	addr, token, dashboard, otlp string
	refresh                      time.Duration
	on                           bool // --metrics-addr given
}

func (f *liveFlags) register(fl *pflag.FlagSet) {
	fl.Func("metrics-addr", "serve GET /metrics (Prometheus), POST /marks and POST /abort on ADDR while the run goes, e.g. 127.0.0.1:9464 (off loopback: needs "+live.TokenEnv+")",
		func(v string) error { f.addr, f.on = v, true; return nil })
	fl.StringVar(&f.token, "control-token", "", "token the control API requires (Authorization: Bearer); default $"+live.TokenEnv)
	fl.StringVar(&f.dashboard, "dashboard", "", "serve the live HTML report on ADDR (refreshed as the run goes), e.g. 127.0.0.1:8080")
	fl.StringVar(&f.otlp, "otlp-endpoint", "", "also push the metrics to an OpenTelemetry collector over OTLP/HTTP, e.g. http://127.0.0.1:4318 (headers: $OTEL_EXPORTER_OTLP_HEADERS)")
	fl.DurationVar(&f.refresh, "live-refresh", live.DefaultRefresh, "how often the objectives metrics and the live page are re-evaluated")
}

// options are the runner's live options; nil when none of the flags is set.
func (f *liveFlags) options(getenv func(string) string) (*runner.LiveOptions, error) {
	if !f.on && f.dashboard == "" && f.otlp == "" {
		return nil, nil
	}
	if f.refresh < 100*time.Millisecond || f.refresh > 10*time.Minute {
		return nil, usageErr(fmt.Errorf("--live-refresh %s: want 100ms to 10m", f.refresh), "")
	}
	if f.otlp != "" {
		// The exporter runs in the companion: without one, fail before the run starts.
		if _, err := companion.Locate("--otlp-endpoint", getenv); err != nil {
			return nil, usageErr(err, companion.Hint)
		}
	}
	tok := f.token
	if tok == "" {
		tok = getenv(live.TokenEnv)
	}
	return &runner.LiveOptions{Addr: f.addr, Token: tok, Dashboard: f.dashboard, Refresh: f.refresh, OTLP: f.otlp}, nil
}

type markFlags struct {
	fault, phase, region, mode, at, token string
}

func newMarkCmd(stdio IO) *cobra.Command {
	var f markFlags
	cmd := &cobra.Command{
		Use:   "mark DIR|URL --fault NAME --phase injected|healed [--region R]",
		Short: "Tell a running run that a fault was injected or healed by another tool",
		Long: `mark sends a fault mark to a running run's control API (run --metrics-addr).
The run records it as a fault event, so RTO, RPO and error-budget burn are
measured for a fault slocheck did not inject (the Azure portal, Chaos Studio,
a colleague's script). slocheck never heals a marked fault: mark it healed
when it is.

DIR is the run directory (its control.json says where the API listens) or
URL the API's base URL. The token, when the run requires one, comes from
--token or $` + live.TokenEnv + `.`,
		Example: `  slocheck mark reports/gameday --fault eastus-portal --phase injected --region eastus
  slocheck mark reports/gameday --fault eastus-portal --phase healed
  # the injection happened a little earlier than the mark
  slocheck mark http://10.0.0.5:9464 --fault eastus-portal --phase injected --region eastus --at 2026-12-07T10:00:20.250Z`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runMark(cmd.Context(), stdio, args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.fault, "fault", "", "the fault's name (letters, digits, '.', '_', '-')")
	fl.StringVar(&f.phase, "phase", "", "injected or healed")
	fl.StringVar(&f.region, "region", "", "the region the fault hits (required with --phase injected)")
	fl.StringVar(&f.mode, "mode", "", "what the fault does, for the report (down, blackhole, errors, slow, …)")
	fl.StringVar(&f.at, "at", "", "when it happened, RFC 3339 (default: now)")
	fl.StringVar(&f.token, "token", "", "the control API's token (default $"+live.TokenEnv+")")
	return cmd
}

func runMark(ctx context.Context, stdio IO, where string, f *markFlags) error {
	m := live.Mark{Fault: f.fault, Phase: f.phase, Region: f.region, Mode: f.mode}
	if f.at != "" {
		t, err := time.Parse(time.RFC3339Nano, f.at)
		if err != nil {
			return usageErr(fmt.Errorf("--at %q: want RFC 3339, e.g. 2026-12-07T10:00:20.250Z", f.at), "")
		}
		m.Time = &t
	}
	c, err := controlClient(stdio, where, f.token)
	if err != nil {
		return err
	}
	ev, err := c.Mark(ctx, m)
	if err != nil {
		return controlErr(err, "slocheck mark --help")
	}
	fmt.Fprintf(stdio.Out, "marked: %s", ev)
	return nil
}

func newAbortCmd(stdio IO) *cobra.Command {
	var token string
	cmd := &cobra.Command{
		Use:   "abort DIR|URL",
		Short: "Stop a running run as Ctrl-C does: faults healed, results kept, reports written",
		Long: `abort asks a running run's control API (run --metrics-addr) to stop. The run
heals every fault it injected, keeps the results gathered so far, writes its
reports and exits 130. abort returns once the run has accepted; the run's
reports follow in its directory within a few seconds.`,
		Example: `  slocheck abort reports/gameday
  SLOCHECK_CONTROL_TOKEN=… slocheck abort http://10.0.0.5:9464`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := controlClient(stdio, args[0], token)
			if err != nil {
				return err
			}
			ans, err := c.Abort(cmd.Context())
			if err != nil {
				return controlErr(err, "slocheck abort --help")
			}
			fmt.Fprintf(stdio.Out, "%s", ans)
			return nil
		},
	}
	cmd.Flags().StringVar(&token, "token", "", "the control API's token (default $"+live.TokenEnv+")")
	return cmd
}

func controlClient(stdio IO, where, token string) (*live.Client, error) {
	if token == "" {
		token = stdio.Getenv(live.TokenEnv)
	}
	c, err := live.NewClient(where, token)
	if err != nil {
		return nil, controlErr(err, "")
	}
	return c, nil
}

// controlErr gives a control API's answer its exit code: a refused request
// (bad mark, wrong token) is a usage error (2); an API that does not answer
// is a rig failure (3).
func controlErr(err error, hint string) error {
	var se *live.StatusError
	switch {
	case errors.As(err, &se) && se.Status == 401:
		return exitcode.New(exitcode.Usage, err, "set "+live.TokenEnv+" to the run's token")
	case errors.As(err, &se) && se.Status < 500:
		return exitcode.New(exitcode.Usage, err, hint)
	case errors.Is(err, live.ErrNoControl):
		return exitcode.New(exitcode.Rig, err, "is the run still going? it needs --metrics-addr")
	}
	return exitcode.New(exitcode.Rig, err, "")
}
