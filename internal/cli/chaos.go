package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/platformfault"
	"github.com/slocheck/slocheck/internal/exitcode"
)

func init() { commands = append(commands, newChaosCmd) }

// chaosTimeFormat is how commands print instants.
const chaosTimeFormat = "2006-01-02T15:04:05.000Z07:00"

func newChaosCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chaos",
		Short: "Inject, heal and inspect faults by hand (game days)",
		Long: `Drive one fault by hand: against the embedded platform's admin API
(slocheck platform serve), an HTTP hook, or a shell command pair. A run
(slocheck run) does the same on a schedule, with the heal guaranteed.`,
		Example: `  # take East US down on a platform started with: slocheck platform serve --describe p.json
  slocheck chaos inject --admin http://127.0.0.1:7070 --region eastus --mode down
  slocheck chaos status --admin http://127.0.0.1:7070
  slocheck chaos heal   --admin http://127.0.0.1:7070 --region eastus`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newChaosInjectCmd(stdio), newChaosHealCmd(stdio), newChaosStatusCmd(stdio))
	return cmd
}

func newChaosInjectCmd(stdio IO) *cobra.Command {
	f := faultFlags{getenv: stdio.Getenv}
	var stateDir string
	cmd := &cobra.Command{
		Use:   "inject",
		Short: "Inject one fault and leave it in place",
		Long: `Inject one fault and leave it in place until you heal it. It prints the
command that heals it. With --state DIR the fault is recorded in DIR/faults.json
before it is injected, so "slocheck heal DIR" can undo it later.`,
		Example: `  # embedded platform: errors on 30 % of East US requests, admin API behind a token
  # (the token is read from SLOCHECK_ADMIN_TOKEN, or the variable --token-env names)
  SLOCHECK_ADMIN_TOKEN=… slocheck chaos inject --admin http://127.0.0.1:7070 \
      --region eastus --mode errors --ratio 0.3

  # embedded platform: West Europe answers 300 ms slower
  slocheck chaos inject --admin http://127.0.0.1:7070 --region westeurope --mode slow --latency 300ms

  # an HTTP hook; the secret header comes from the environment
  slocheck chaos inject --inject-url https://ops.example.com/faults/eastus \
      --heal-url https://ops.example.com/faults/eastus --heal-method DELETE \
      --header-env "Authorization=OPS_AUTH" --state game-day/

  # a command pair, recorded so that "slocheck heal game-day/" undoes it
  slocheck chaos inject --inject-cmd "tc qdisc add dev eth0 root netem loss 100%" \
      --heal-cmd "tc qdisc del dev eth0 root" --region eastus --mode blackhole --state game-day/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := f.spec(cmd, true)
			if err != nil {
				return usageErr(err, "slocheck chaos inject --help")
			}
			return runChaosInject(cmd, stdio, spec, stateDir)
		},
	}
	f.register(cmd, true)
	cmd.Flags().StringVar(&stateDir, "state", "", "record the fault in `DIR`/faults.json first, so that slocheck heal DIR can undo it")
	return cmd
}

// chaosEnv is what injectors built by chaos commands may use.
func chaosEnv(stdio IO, runDir string) chaos.Env {
	return chaos.Env{RunDir: runDir, Getenv: stdio.Getenv, Stdout: stdio.Out, Stderr: stdio.Err}
}

func runChaosInject(cmd *cobra.Command, stdio IO, spec chaos.Spec, stateDir string) error {
	inj, err := chaos.Build(spec, chaosEnv(stdio, stateDir))
	if err != nil {
		return usageErr(err, "slocheck chaos inject --help")
	}
	flt, err := chaos.InjectRecorded(cmd.Context(), stateDir, spec, inj)
	if err != nil {
		return exitcode.New(exitcode.Rig, err, "if it half-worked, undo it with: "+chaosHealCommand(spec))
	}
	w := stdio.Out
	target, mode := spec.Labels()
	fmt.Fprintf(w, "injected %s (%s%s) at %s\n", spec.Name, spec.Kind, chaosLabels(target, mode), flt.Injected.UTC().Format(chaosTimeFormat))
	fmt.Fprintf(w, "heal it with: %s\n", chaosHealCommand(spec))
	if stateDir != "" {
		fmt.Fprintf(w, "          or: slocheck heal %s\n", chaosShellQuote(stateDir))
	}
	return nil
}

func chaosLabels(target, mode string) string {
	s := strings.TrimSpace(target + " " + mode)
	if s == "" {
		return ""
	}
	return ": " + s
}

func newChaosHealCmd(stdio IO) *cobra.Command {
	f := faultFlags{getenv: stdio.Getenv}
	cmd := &cobra.Command{
		Use:   "heal",
		Short: "Heal one fault (idempotent; retried with backoff)",
		Long: `Heal one fault. Healing a target that has no fault succeeds, so it is safe
to run twice. A heal that keeps failing is retried a few times with backoff,
then reported with each attempt's error and exit code 3.`,
		Example: `  slocheck chaos heal --admin http://127.0.0.1:7070 --region eastus
  slocheck chaos heal --heal-url https://ops.example.com/faults/eastus --heal-method DELETE --header-env "Authorization=OPS_AUTH"
  slocheck chaos heal --heal-cmd "tc qdisc del dev eth0 root"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := f.spec(cmd, false)
			if err != nil {
				return usageErr(err, "slocheck chaos heal --help")
			}
			inj, err := chaos.Build(spec, chaosEnv(stdio, ""))
			if err != nil {
				return usageErr(err, "slocheck chaos heal --help")
			}
			p := chaos.HealPolicy{}
			hctx, cancel := p.HealContext(cmd.Context())
			defer cancel()
			if err := chaos.Heal(hctx, inj, p); err != nil {
				return exitcode.New(exitcode.Rig, fmt.Errorf("fault %q: %w", spec.Name, err), "the fault may still be in place: check the target, then heal again")
			}
			target, _ := spec.Labels()
			fmt.Fprintf(stdio.Out, "healed %s (%s%s) at %s\n", spec.Name, spec.Kind, chaosLabels(target, ""), time.Now().UTC().Format(chaosTimeFormat))
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

func newChaosStatusCmd(stdio IO) *cobra.Command {
	var admin, tokenEnv string
	var asJSON bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the embedded platform's regions, faults and front door health",
		Example: `  slocheck chaos status --admin http://127.0.0.1:7070
  slocheck chaos status --admin http://127.0.0.1:7070 --json | jq '.faults'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if admin == "" {
				return usageErr(fmt.Errorf("status needs --admin URL"), "slocheck chaos status --admin http://127.0.0.1:7070")
			}
			c, err := platformfault.NewClient(admin, chaosTokenVar(tokenEnv, stdio.Getenv), stdio.Getenv, timeout)
			if err != nil {
				return usageErr(err, "")
			}
			st, raw, err := c.State(cmd.Context())
			if err != nil {
				return exitcode.New(exitcode.Rig, err, "is the platform running? slocheck platform serve --describe FILE prints its admin URL")
			}
			if asJSON {
				return writeChaosJSON(stdio.Out, raw)
			}
			return writePlatformState(stdio.Out, st)
		},
	}
	cmd.Flags().StringVar(&admin, "admin", "", "the embedded platform's admin API `URL`")
	cmd.Flags().StringVar(&tokenEnv, "token-env", "", "environment `VARIABLE` holding the admin API's bearer token (default SLOCHECK_ADMIN_TOKEN when set)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print GET /state as JSON")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "request timeout (default 5s)")
	return cmd
}

func writeChaosJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("platform state: %w", err)
	}
	buf.WriteByte('\n')
	_, err := buf.WriteTo(w)
	return err
}

// writePlatformState prints the platform's state as two tables: regions with their
// faults, and each edge's view of each origin.
func writePlatformState(w io.Writer, st platformfault.State) error {
	regions := slices.Sorted(maps.Keys(st.Regions))
	var rows [][]string
	for _, name := range regions {
		r := st.Regions[name]
		rows = append(rows, []string{name, platformFaultText(r.Fault), fmt.Sprint(r.Orders), fmt.Sprint(r.Unreplicated), r.URL})
	}
	if err := renderChaosTable(w, []string{"region", "fault", "orders", "unreplicated", "url"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, name := range slices.Sorted(maps.Keys(st.Edges)) {
		e := st.Edges[name]
		row := []string{name, strings.Join(e.RoutingTo, ", ")}
		for _, origin := range regions {
			o, known := e.Origins[origin]
			row = append(row, platformOriginText(o, known))
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	header := append([]string{"edge", "routing to"}, regions...)
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	return renderChaosTable(w, header, rows)
}

func platformFaultText(f *platformfault.ActiveFault) string {
	if f == nil {
		return "-"
	}
	s := f.Mode
	switch {
	case f.Ratio != nil && *f.Ratio != 1:
		s += fmt.Sprintf(" %.0f%%", *f.Ratio*100)
	case f.LatencyMS > 0:
		s += fmt.Sprintf(" +%dms", f.LatencyMS)
	}
	if !f.Injected.IsZero() {
		s += " since " + f.Injected.UTC().Format(chaosTimeFormat)
	}
	return s
}

func platformOriginText(o platformfault.OriginState, known bool) string {
	if !known {
		return "-"
	}
	s := fmt.Sprintf("healthy %d/%d", o.Successes, o.SampleSize)
	if !o.Healthy {
		s = fmt.Sprintf("UNHEALTHY %d/%d", o.Successes, o.SampleSize)
	}
	if o.LastError != "" && !o.Healthy {
		s += ": " + o.LastError
	}
	return s
}

// renderChaosTable renders a plain table, keeping the header's case.
func renderChaosTable(w io.Writer, header []string, rows [][]string) error {
	tb := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	tb.Header(header)
	if err := tb.Bulk(rows); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	if err := tb.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}
