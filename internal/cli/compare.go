package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/runner"
)

func init() { commands = append(commands, newCompareCmd) }

type compareFlags struct {
	tolerance         string
	format            string
	out               string
	force             bool
	inconclusiveFails bool
}

func newCompareCmd(stdio IO) *cobra.Command {
	var f compareFlags
	cmd := &cobra.Command{
		Use:   "compare BASELINE_DIR RUN_DIR",
		Short: "Is this run worse than the baseline? Objective by objective, with significance",
		Long: `compare reads two run directories' results streams and judges the run against
the baseline, objective by objective: p99 overall and per client region,
steady-state availability, RTO, RPO and budget burn per fault. Each change
gets a 95 % interval and a verdict against its tolerance:

  REGRESSED     worse beyond the tolerance, with 95 % confidence
  IMPROVED      better beyond the tolerance, with 95 % confidence
  NO CHANGE     the whole interval lies within the tolerance
  INCONCLUSIVE  the interval straddles a tolerance edge: the data cannot tell

Tolerances (--tolerance, defaults shown by --help): p99 relative, availability
and budget in percentage points, rto and rpo as durations.

Exit codes: 0 no regression, 99 a significant regression beyond tolerance,
98 inconclusive with --inconclusive-fails, 2 wrong input (or runs of different
scenarios or targets without --force).`,
		Example: `  # Did this build make it worse than last night's?
  slocheck compare reports/nightly-1233 reports/nightly-1234

  # Tighter on p99, looser on RTO; the JSON for a pipeline
  slocheck compare base/ run/ --tolerance p99=5%,rto=5s --format json

  # Write compare.txt, compare.json and compare.md into a directory
  slocheck compare base/ run/ --out reports/compare-1234 --inconclusive-fails`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return runCompare(stdio, &f, args[0], args[1]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.tolerance, "tolerance", "", "tolerances, e.g. p99=10%,availability=0.01%,rto=3s,rpo=1s,budget=1% (default "+compare.DefaultTolerances().String()+")")
	fl.StringVar(&f.format, "format", "table", "output printed: table, json or md")
	fl.StringVar(&f.out, "out", "", "also write compare.txt, compare.json and compare.md into this directory")
	fl.BoolVar(&f.force, "force", false, "compare runs of different scenarios or targets")
	fl.BoolVar(&f.inconclusiveFails, "inconclusive-fails", false, "exit 98 when the comparison is INCONCLUSIVE")
	return cmd
}

func runCompare(stdio IO, f *compareFlags, baseDir, runDir string) error {
	tol, err := compare.ParseTolerances(f.tolerance)
	if err != nil {
		return usageErr(err, "slocheck compare --help")
	}
	out, ok := report.CompareFormats[f.format]
	if !ok {
		return usageErr(fmt.Errorf("unknown format %q", f.format), "--format table, json or md")
	}
	c, err := compareDirs(baseDir, runDir, compare.Options{Tolerances: tol, InconclusiveFails: f.inconclusiveFails}, f.force)
	if err != nil {
		return err
	}
	if f.out != "" {
		if err := writeComparison(f.out, c); err != nil {
			return err
		}
	}
	if err := out.Write(stdio.Out, c); err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("print the comparison: %w", err), "")
	}
	if c.ExitCode != exitcode.OK {
		return &silentError{code: c.ExitCode}
	}
	return nil
}

// compareDirs reads both run directories and compares them; runs of
// different scenarios or targets are refused (exit 2) unless force.
func compareDirs(baseDir, runDir string, opt compare.Options, force bool) (*compare.Comparison, error) {
	base, err := runner.LoadSide(baseDir)
	if err != nil {
		return nil, usageErr(err, "BASELINE_DIR must be a run directory holding results.stream")
	}
	run, err := runner.LoadSide(runDir)
	if err != nil {
		return nil, usageErr(err, "RUN_DIR must be a run directory holding results.stream")
	}
	if err := compare.Compatible(base.Report, run.Report); err != nil && !force {
		return nil, usageErr(err, "--force compares them anyway")
	}
	c := compare.Compare(base, run, opt)
	return &c, nil
}

// writeComparison writes every comparison format into dir.
func writeComparison(dir string, c *compare.Comparison) error {
	names := make([]string, 0, len(report.CompareFormats))
	for n := range report.CompareFormats {
		names = append(names, n)
	}
	slices.Sort(names)
	var files []outFile
	for _, n := range names {
		f := report.CompareFormats[n]
		files = append(files, outFile{f.Name, func(w io.Writer) error { return f.Write(w, c) }})
	}
	return writeFiles(dir, files)
}

// outFile is one file a command writes into its --out directory.
type outFile struct {
	name  string
	write func(io.Writer) error
}

// writeFiles writes files into dir (created if missing); a failing file
// does not stop the others, and every failure is in the error.
func writeFiles(dir string, files []outFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	var errs []error
	for _, f := range files {
		var b strings.Builder
		if err := f.write(&b); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(b.String()), 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
