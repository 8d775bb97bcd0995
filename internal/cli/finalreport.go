package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/runner"
)

func init() { commands = append(commands, newFinalReportCmd) }

type finalFlags struct{ gate, nightly, gameday, cost, out string }

func newFinalReportCmd(stdio IO) *cobra.Command {
	var f finalFlags
	cmd := &cobra.Command{
		Use:   "final-report --gate DIR --nightly DIR --gameday DIR --out DIR",
		Short: "Write the project's final report from a release gate, a nightly and a game-day run",
		Long: `final-report writes DIR/final-report.md with the sections the platform's project
plan names: a summary against the four NFRs (p99 < 150 ms and steady-state
availability >= 99.99 % from the release gate's run; RTO < 10 s, RPO < 10 s and
error-budget burn from the nightly failover run), the architecture as the runs
saw it, performance, disaster-recovery results with RTO and RPO per fault and
client region (nightly and game day), the cost estimate (--cost, e.g.
docs/cost.md), lessons learned (every verdict that is not PASS, every note)
and potential improvements. Every figure is taken from the runs' results
streams, as slocheck report computes them; nothing is filled by hand.

Beside it go gate.html, nightly.html and gameday.html: each run's report with
its charts (requests, failures and p99 over time per client region).`,
		Example: `  slocheck final-report --gate artifacts/slo-prod-42 --nightly artifacts/nightly-failover-311 \
    --gameday reports/gameday-2026-11 --cost docs/cost.md --out reports/final`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runFinalReport(stdio, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.gate, "gate", "", "the release gate's run directory")
	fl.StringVar(&f.nightly, "nightly", "", "a nightly failover run directory")
	fl.StringVar(&f.gameday, "gameday", "", "a game day's run directory")
	fl.StringVar(&f.cost, "cost", "", "the cost estimate to include (Markdown), e.g. docs/cost.md")
	fl.StringVar(&f.out, "out", "", "directory to write final-report.md and its charts into")
	for _, name := range []string{"gate", "nightly", "gameday", "out"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func runFinalReport(stdio IO, f *finalFlags) error {
	in := report.FinalInput{}
	runs := []struct {
		run  *report.FinalRun
		dir  string
		role string
		file string
	}{
		{&in.Gate, f.gate, "release gate", "gate.html"},
		{&in.Nightly, f.nightly, "nightly failover", "nightly.html"},
		{&in.GameDay, f.gameday, "game day", "gameday.html"},
	}
	var files []outFile
	for _, r := range runs {
		side, err := runner.LoadSide(r.dir)
		if err != nil {
			return usageErr(err, "--"+map[string]string{"release gate": "gate", "nightly failover": "nightly", "game day": "gameday"}[r.role]+" must be a run directory holding results.stream")
		}
		*r.run = report.FinalRun{Role: r.role, Dir: r.dir, Report: side.Report, Charts: r.file}
		rep := side.Report
		files = append(files, outFile{r.file, func(w io.Writer) error { return report.HTML(w, rep) }})
	}
	if f.cost != "" {
		b, err := os.ReadFile(f.cost)
		if err != nil {
			return usageErr(fmt.Errorf("read the cost estimate: %w", err), "--cost must be a Markdown file, e.g. docs/cost.md")
		}
		in.Cost = string(b)
	}
	files = append(files, outFile{"final-report.md", func(w io.Writer) error { return report.FinalReport(w, &in) }})
	if err := writeFiles(f.out, files); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdio.Out, "final report: %s/final-report.md\n", f.out)
	return err
}
