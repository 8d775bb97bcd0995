package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/runner"
	"github.com/slocheck/slocheck/results"
)

func init() { commands = append(commands, newHistoryCmd) }

func newHistoryCmd(stdio IO) *cobra.Command {
	var out, tolerance string
	cmd := &cobra.Command{
		Use:   "history DIR...|GLOB",
		Short: "A series of runs: every deciding objective per run, trends, regressions flagged",
		Long: `history reads run directories (or glob patterns of them, such as a folder of
nightly runs), orders them by start, and prints one row per run: its labels,
verdict and every deciding objective's figure, and its comparison with the
run before (the test of slocheck compare, default tolerances or --tolerance),
so that a regression between two nights is flagged in its row.

With --out it writes history.txt, history.csv (for spreadsheets) and
history.html (self-contained, a trend chart per objective). Directories
without a results stream are skipped with a warning. It exits 0: history
reports, it does not gate.`,
		Example: `  slocheck history 'reports/nightly-*' --out reports/history
  slocheck history reports/nightly-1232 reports/nightly-1233 reports/nightly-1234`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tol, err := compare.ParseTolerances(tolerance)
			if err != nil {
				return usageErr(err, "slocheck compare --help")
			}
			sides, err := loadSides(stdio, args)
			if err != nil {
				return err
			}
			h := compare.NewHistory(sides, compare.Options{Tolerances: tol})
			if out != "" {
				if err := writeHistory(out, &h); err != nil {
					return err
				}
			}
			if err := report.HistoryTable(stdio.Out, &h); err != nil {
				return exitcode.New(exitcode.Rig, fmt.Errorf("print the history: %w", err), "")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write history.txt, history.csv and history.html into this directory")
	cmd.Flags().StringVar(&tolerance, "tolerance", "", "tolerances for the run-to-run test, as slocheck compare --tolerance")
	return cmd
}

// loadSides expands the arguments (directories or glob patterns) and reads
// every run directory among them; others are skipped with a warning.
func loadSides(stdio IO, args []string) ([]compare.Side, error) {
	var dirs []string
	for _, a := range args {
		if !strings.ContainsAny(a, "*?[") {
			dirs = append(dirs, a)
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, usageErr(fmt.Errorf("pattern %q: %w", a, err), "quote the pattern: 'reports/nightly-*'")
		}
		dirs = append(dirs, m...)
	}
	var sides []compare.Side
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, results.FileName)); err != nil {
			fmt.Fprintf(stdio.Err, "warning: %s: no %s, skipped\n", d, results.FileName)
			continue
		}
		s, err := runner.LoadSide(d)
		if err != nil {
			fmt.Fprintf(stdio.Err, "warning: %v, skipped\n", err)
			continue
		}
		sides = append(sides, s)
	}
	if len(sides) == 0 {
		return nil, usageErr(errors.New("no run directory among the arguments"), "each DIR must hold a results.stream")
	}
	return sides, nil
}

// writeHistory writes every history file into dir.
func writeHistory(dir string, h *compare.History) error {
	var files []outFile
	for _, f := range report.HistoryFiles {
		files = append(files, outFile{f.Name, func(w io.Writer) error { return f.Write(w, h) }})
	}
	return writeFiles(dir, files)
}
