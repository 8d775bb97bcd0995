package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/runner"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/internal/slo"
)

func init() { commands = append(commands, newRunCmd, newReportCmd) }

type runFlags struct {
	scenario          string
	out               string
	k6                string
	inconclusiveFails bool
	quiet             bool
	roles             roleFlags // roles.go
	baselineFlags
	live liveFlags // control.go
}

func newRunCmd(stdio IO) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a scenario: traffic, a regional fault, and verdicts on the SLOs",
		Long: `run sends geo-distributed shopping traffic, injects the scenario's faults in
the middle of the run, heals them, and judges p99, availability, RTO, RPO and
error-budget burn against their targets.

With no --scenario and no --target it starts the embedded two-region platform
and runs the default-failover scenario (about a minute: steady state, an
eastus outage, recovery). Flags override the scenario file.

It writes into --out (default reports/<UTC timestamp>/): the results stream,
report.json, report.md, report.html, junit.xml and CSV files, and prints the
console table. Exit codes: 0 every objective passed, 99 an objective failed,
98 inconclusive with --inconclusive-fails, 2 bad command or scenario, 3 the
rig failed (target unreachable, injector failed), 130 interrupted (faults
healed, partial results kept).`,
		Example: `  # A measured failover on the embedded platform, in one command
  slocheck run

  # Another builtin scenario, shorter
  slocheck run --scenario blackhole-failover --duration 40s --fault-at 10s --fault-for 15s

  # A real deployment behind Front Door, with your own fault commands
  slocheck run --scenario scenarios/azure-frontdoor.yaml \
    --target https://shop-abc123.z01.azurefd.net \
    --inject-cmd './disable-origin.sh eastus' --heal-cmd './enable-origin.sh eastus'

  # Release gate: fail the pipeline when 99.99 % cannot be decided either
  slocheck run --scenario release-gate --target "$FRONTDOOR_URL" --inconclusive-fails --quiet

  # One run from several processes: two generators share eastus, a third sends
  # westeurope, a conductor injects the faults; then 'slocheck merge' judges once
  AT=$(date -u -d '+30 seconds' +%Y-%m-%dT%H:%M:%SZ)
  slocheck run --scenario scenarios/azure-frontdoor.yaml --role generator --client-region us --segment 0:1/2 --start-at $AT --out g1 &
  slocheck run --scenario scenarios/azure-frontdoor.yaml --role generator --client-region us --segment 1/2:1 --start-at $AT --out g2 &
  slocheck run --scenario scenarios/azure-frontdoor.yaml --role generator --client-region eu --start-at $AT --out g3 &
  slocheck run --scenario scenarios/azure-frontdoor.yaml --role conductor --start-at $AT --out conductor; wait
  slocheck merge g1 g2 g3 conductor --out merged

  # A pipeline's run, labelled with its build, judged against last night's
  slocheck run --label build=1234 --label env=staging --baseline reports/nightly-1233

  # A game day: Prometheus metrics, marks and abort on :9464, the live page on :8080
  slocheck run --metrics-addr 127.0.0.1:9464 --dashboard 127.0.0.1:8080 --out reports/gameday`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRun(cmd, stdio, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scenario, "scenario", "", "scenario file or builtin name (default default-failover)")
	fl.String("target", "", "base URL of a real deployment (omit for the embedded platform)")
	fl.String("engine", "", "load engine: go or k6")
	fl.String("script", "", "k6 script (with --engine k6)")
	fl.StringVar(&f.k6, "k6", "", "path of the k6 binary built with the slocheck extension")
	fl.Duration("duration", 0, "how long to send traffic")
	fl.Float64("rate", 0, "requests per second (a constant rate)")
	fl.Duration("fault-at", 0, "when the fault starts, after the start of the run")
	fl.Duration("fault-for", 0, "how long the fault lasts")
	fl.String("fault-region", "", "region the fault hits")
	fl.String("fault-mode", "", "fault mode: down, blackhole, errors, slow, replication-cut")
	fl.String("inject-cmd", "", "shell command that injects the fault (with --heal-cmd)")
	fl.String("heal-cmd", "", "shell command that heals the fault")
	fl.StringVar(&f.out, "out", "", "run directory (default reports/<UTC timestamp>)")
	fl.BoolVar(&f.inconclusiveFails, "inconclusive-fails", false, "exit 98 when an objective is INCONCLUSIVE")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress, only the final table")
	addRoleFlags(fl, &f.roles)
	f.baselineFlags.register(fl)
	f.live.register(fl)
	return cmd
}

func runRun(cmd *cobra.Command, stdio IO, f *runFlags) error {
	role, err := f.roles.parse(cmd.Flags())
	if err != nil {
		return err
	}
	s, err := openScenario(f.scenario, cmd.Flags())
	if err != nil {
		return err
	}
	labels, err := f.prepare(s)
	if err != nil {
		return err
	}
	if err := checkCompanion(s, role, stdio.Getenv); err != nil {
		return err
	}
	if f.out == "" {
		f.out = filepath.Join("reports", time.Now().UTC().Format("20060102T150405Z"))
	}
	opts := runner.Options{
		OutDir:            f.out,
		Log:               stdio.Err,
		Getenv:            stdio.Getenv,
		InconclusiveFails: f.inconclusiveFails || s.Objectives.InconclusiveFails,
		Version:           versionString(),
		K6:                f.k6,
		Role:              role,
		Labels:            labels,
	}
	if opts.Live, err = f.live.options(stdio.Getenv); err != nil {
		return err
	}
	// Warnings first, quiet or not: a run that cannot decide should say why
	// before it starts, not only in `slocheck validate`.
	for _, w := range s.Warnings() {
		fmt.Fprintf(stdio.Err, "warning: %v\n", w)
	}
	if !f.quiet {
		opts.Progress = stdio.Err
		opts.Interactive = isTerminal(stdio.Err)
		fmt.Fprintf(stdio.Err, "slocheck %s: scenario %s, %s at %.0f req/s for %s, results in %s\n",
			versionString(), s.Name, targetName(s), s.Load.Rate, s.Load.Duration, f.out)
	}
	res, err := runner.Run(cmd.Context(), s, opts)
	var rep *slo.Report
	if res != nil && res.Eval != nil {
		rep = res.Eval.Report
	}
	if rep != nil && role.Name != "" {
		// One process's part of the run: its verdict is not the run's
		// (`slocheck merge` judges once); only the rig's errors count.
		part := *rep
		part.ExitCode = 0
		rep = &part
		fmt.Fprintf(stdio.Err, "role %s: this stream is one part of the run; judge the run with `slocheck merge` of every part\n", role.Name)
	}
	err = finishRun(stdio, rep, err, f.out)
	return f.finish(stdio, f.out, opts.InconclusiveFails, err)
}

// finishRun prints the console table of a run (or of `slocheck report`) and
// returns the error that ends the process with one exit code: the one the
// table's last line prints. An error carrying a code wins over the report's
// (the run was interrupted or the rig failed after the report was made); an
// error without one is a rig failure (3), never a usage error.
func finishRun(stdio IO, rep *slo.Report, err error, dir string) error {
	if err != nil && exitcode.Code(err) == 1 {
		err = exitcode.New(exitcode.Rig, err, "")
	}
	if rep != nil {
		shown := *rep
		if err != nil {
			shown.ExitCode = exitcode.Code(err)
		}
		terr := report.Table(stdio.Out, &shown)
		if terr == nil && dir != "" {
			_, terr = fmt.Fprintf(stdio.Out, "reports: %s\n", dir)
		}
		if terr != nil && err == nil {
			return exitcode.New(exitcode.Rig, fmt.Errorf("print the console table: %w", terr), "")
		}
		if err == nil && shown.ExitCode != exitcode.OK {
			return &silentError{code: shown.ExitCode}
		}
	}
	return err
}

// openScenario opens the named scenario (the default without one) and applies
// the flags the user set.
func openScenario(name string, fl *pflag.FlagSet) (*scenario.Scenario, error) {
	var s *scenario.Scenario
	var err error
	if name == "" {
		s, err = scenario.Default()
	} else {
		s, err = scenario.Open(name)
	}
	if err != nil {
		return nil, usageErr(err, "slocheck validate "+name)
	}
	var o scenario.Overrides
	var setErr error
	fl.Visit(func(fv *pflag.Flag) {
		for _, name := range scenario.OverrideFlags {
			if fv.Name == name && setErr == nil {
				setErr = o.Set(fv.Name, fv.Value.String())
			}
		}
	})
	if setErr != nil {
		return nil, usageErr(setErr, "slocheck run --help")
	}
	if o.Engine != nil && *o.Engine == scenario.EngineK6 && o.Script == nil && s.Script == "" {
		script := runner.DefaultK6Script // --engine k6 alone runs the shipped failover script
		o.Script = &script
	}
	if err := s.Apply(o); err != nil {
		return nil, usageErr(err, "slocheck run --help")
	}
	return s, nil
}

func targetName(s *scenario.Scenario) string {
	if s.Embedded() {
		return "embedded platform"
	}
	return s.Target.URL
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newReportCmd(stdio IO) *cobra.Command {
	var formats []string
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Rebuild every report of a run from its results stream",
		Long: `report reads DIR's results stream and writes its reports again, with the
same figures as the run printed. It works on a stream cut by a crash too: the
report then covers what was recorded. A run made with --baseline keeps its
comparison (DIR/compare.json): printed again and put back into report.md and
report.html. It exits with the run's code (99 or 98 for the comparison).`,
		Example: `  slocheck report reports/20261124T100000Z
  slocheck report reports/20261124T100000Z --format json,junit`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range formats {
				if _, ok := report.Formats[name]; !ok {
					return usageErr(fmt.Errorf("unknown report format %q", name), "--format "+strings.Join(report.Names(), ","))
				}
			}
			ev, err := runner.Evaluate(args[0], formats, false)
			if ev == nil {
				return exitcode.New(exitcode.Usage, err, "DIR must be a run directory holding results.stream")
			}
			if ev.Cut != nil {
				fmt.Fprintf(stdio.Err, "warning: %v (the report covers what was recorded)\n", ev.Cut)
			}
			// A report file that could not be written is a rig failure (3).
			// A run made with --baseline gets its comparison back.
			return reattachComparison(stdio, args[0], formats, finishRun(stdio, ev.Report, err, ""))
		},
	}
	cmd.Flags().StringSliceVar(&formats, "format", report.DefaultFormats, "formats to write: "+fmt.Sprint(report.Names()))
	return cmd
}
