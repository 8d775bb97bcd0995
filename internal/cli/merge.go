package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/runner"
	"github.com/slocheck/slocheck/results"
)

func init() { commands = append(commands, newMergeCmd) }

type mergeFlags struct {
	out               string
	formats           []string
	tolerance         time.Duration
	force             bool
	inconclusiveFails bool
	wait              time.Duration
}

func newMergeCmd(stdio IO) *cobra.Command {
	var f mergeFlags
	cmd := &cobra.Command{
		Use:   "merge DIR... --out DIR",
		Short: "Make one run of the streams of several generators and a conductor, judged once",
		Long: `merge reads the results stream of each run directory DIR (one per process of a
run shared by several: generators started with --role generator, a conductor
with --role conductor, k6 runners with --out slocheck) and writes one run
into --out: histograms added (percentiles are never averaged), failures,
writes, read-backs and events in time order. Then it writes every report from
the merged stream, as 'slocheck report' does, and exits with its verdict.

The same fault reported by several streams (a conductor and generators, or
several processes that each injected it) is one fault, from the earliest
injection to the latest heal, provided the instants agree within
--clock-tolerance; the tolerance is in the report. merge refuses, with the
reason, streams of different scenarios, two streams that hold the same share
of a client region (the same --client-region and overlapping --segment), and
clocks further apart than the tolerance; --force merges anyway and keeps each
refusal as a note in the report. Exit codes as for run; 2 when merge refuses.`,
		Example: `  # Three generators and a conductor, started with one --start-at
  slocheck merge out/gen-eastus-0 out/gen-eastus-1 out/gen-westeurope out/conductor --out out/merged

  # Every run directory under out/, JUnit and HTML only, a wider clock tolerance
  slocheck merge out/*/ --out merged --format junit,html --clock-tolerance 250ms`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runMerge(cmd.Context(), stdio, args, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "run directory to write the merged stream and its reports into (required)")
	fl.StringSliceVar(&f.formats, "format", report.DefaultFormats, "formats to write: "+fmt.Sprint(report.Names()))
	fl.DurationVar(&f.tolerance, "clock-tolerance", results.DefaultClockTolerance, "how far apart the streams' instants of one fault may be")
	fl.BoolVar(&f.force, "force", false, "merge despite a refusal (other scenario, overlapping segments, clocks apart); the report notes it")
	fl.BoolVar(&f.inconclusiveFails, "inconclusive-fails", false, "exit 98 when an objective is INCONCLUSIVE")
	fl.DurationVar(&f.wait, "wait", 0, "wait up to this long for every DIR's stream to be complete (a Kubernetes Job merging parts still running)")
	return cmd
}

func runMerge(ctx context.Context, stdio IO, dirs []string, f *mergeFlags) error {
	if err := checkMergeFlags(dirs, f); err != nil {
		return err
	}
	if err := waitComplete(ctx, stdio, dirs, f.wait); err != nil {
		return err
	}
	run, cut, err := results.MergeDirs(results.MergeOptions{ClockTolerance: f.tolerance, Force: f.force}, dirs...)
	for _, c := range cut {
		fmt.Fprintf(stdio.Err, "warning: %v (merged with what was recorded)\n", c)
	}
	if err != nil {
		hint := "each DIR must be a run directory holding " + results.FileName
		if isRefusal(err) {
			hint = "check the DIRs belong to one run; --force merges anyway"
		}
		return usageErr(err, hint)
	}
	if err := writeMerged(f.out, run); err != nil {
		return exitcode.New(exitcode.Rig, err, "")
	}
	ev, err := runner.Evaluate(f.out, f.formats, f.inconclusiveFails)
	if ev == nil {
		return exitcode.New(exitcode.Rig, err, "")
	}
	return finishRun(stdio, ev.Report, err, f.out)
}

func isRefusal(err error) bool {
	return errors.Is(err, results.ErrOtherRun) || errors.Is(err, results.ErrSegmentOverlap) || errors.Is(err, results.ErrClocksApart)
}

func checkMergeFlags(dirs []string, f *mergeFlags) error {
	if f.out == "" {
		return usageErr(errors.New("merge needs --out DIR"), "slocheck merge DIR... --out DIR")
	}
	for _, name := range f.formats {
		if _, ok := report.Formats[name]; !ok {
			return usageErr(fmt.Errorf("unknown report format %q", name), "--format "+strings.Join(report.Names(), ","))
		}
	}
	if f.tolerance <= 0 || f.tolerance > time.Minute {
		return usageErr(fmt.Errorf("--clock-tolerance %v: want more than 0 and at most 1m", f.tolerance), "--clock-tolerance 100ms")
	}
	out, _ := filepath.Abs(f.out)
	for _, d := range dirs {
		if abs, _ := filepath.Abs(d); abs == out {
			return usageErr(fmt.Errorf("--out %s is one of the merged directories", f.out), "write the merged run into a new directory")
		}
	}
	if _, err := os.Stat(filepath.Join(f.out, results.FileName)); err == nil {
		return usageErr(fmt.Errorf("%s already holds a results stream", f.out), "merge into a new directory")
	}
	return nil
}

// writeMerged writes the merged stream into dir, as a run directory.
func writeMerged(dir string, run *results.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	path := filepath.Join(dir, results.FileName)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create merged stream: %w", err)
	}
	if err := results.Write(f, run); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// waitComplete waits, up to wait, until the stream in every dir has its
// trailer (the process that writes it has finished); past wait, merge goes
// on with what there is (a cut stream is merged with a warning).
func waitComplete(ctx context.Context, stdio IO, dirs []string, wait time.Duration) error {
	if wait <= 0 {
		return nil
	}
	deadline := time.Now().Add(wait)
	for {
		missing := incomplete(dirs)
		if len(missing) == 0 || time.Now().After(deadline) {
			if len(missing) > 0 {
				fmt.Fprintf(stdio.Err, "warning: still incomplete after %s: %s\n", wait, strings.Join(missing, ", "))
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return exitcode.New(exitcode.Interrupted, errors.New("interrupted while waiting for the streams"), "")
		case <-time.After(mergePoll):
		}
	}
}

// mergePoll is how often --wait looks at the streams.
const mergePoll = 2 * time.Second

// incomplete lists the dirs whose stream is missing or has no trailer yet.
func incomplete(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		if r, err := results.ReadFile(filepath.Join(d, results.FileName)); err != nil || r.Trailer == nil {
			out = append(out, d)
		}
	}
	return out
}
