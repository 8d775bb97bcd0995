package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/results"
)

func init() { commands = append(commands, newHealCmd) }

func newHealCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "heal DIR",
		Short: "Heal whatever a killed run left injected",
		Long: `Heal every fault that DIR/faults.json does not record as healed. A run writes
each fault there before injecting it, so even a run killed with SIGKILL (or a
machine that lost power) leaves enough to undo it: the injector is rebuilt from
the recorded configuration (tokens and secret headers are read again from the
environment variables recorded, never from the file).

It is idempotent: a second heal finds nothing to do. Exit code 3 when a heal
fails; the fault stays recorded so that you can heal again.

A fault another tool injected and someone marked (slocheck mark) is not
slocheck's to heal: heal lists each one the results stream records as marked
injected and never marked healed, so that you heal it with the tool that
injected it. It does not change the exit code.`,
		Example: `  slocheck heal reports/2026-11-24T100000Z
  # after a game day: slocheck chaos inject ... --state game-day/
  slocheck heal game-day/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			res, err := chaos.HealDir(cmd.Context(), dir, chaosEnv(stdio, dir), chaos.HealPolicy{})
			marked := openMarks(dir)
			if errors.Is(err, fs.ErrNotExist) && res == nil {
				if len(marked) > 0 {
					printOpenMarks(stdio.Out, marked)
					return nil
				}
				return usageErr(err, "give the run directory that holds faults.json")
			}
			printHealResults(stdio.Out, dir, res)
			printOpenMarks(stdio.Out, marked)
			if err != nil {
				return exitcode.New(exitcode.Rig, err, "fix the cause (see the errors above), then run slocheck heal "+chaosShellQuote(dir)+" again")
			}
			return nil
		},
	}
}

// openMarks are the marked faults dir's results stream leaves injected
// (slocheck cannot heal them). A stream cut short is read as far as it goes;
// without a stream, none.
func openMarks(dir string) []results.Event {
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	var cut *results.TruncatedError
	if run == nil || (err != nil && !errors.As(err, &cut)) {
		return nil
	}
	return live.OpenMarks(run)
}

// printOpenMarks says, per marked fault left injected, that heal left it.
func printOpenMarks(w io.Writer, open []results.Event) {
	for _, e := range open {
		fmt.Fprintf(w, "%-7s %s (marked injected in %s at %s, by another tool): slocheck did not inject it and cannot heal it; heal it with the tool that injected it\n",
			"NOT HEALED", e.Fault, e.Target, e.Time.UTC().Format(time.RFC3339))
	}
}

// printHealResults says, per fault, what heal did.
func printHealResults(w io.Writer, dir string, res []chaos.HealResult) {
	if len(res) == 0 {
		fmt.Fprintf(w, "nothing to heal in %s: no fault is recorded unhealed\n", dir)
		return
	}
	for _, r := range res {
		target, mode := r.Spec.Labels()
		what := fmt.Sprintf("%s (%s%s, was %s)", r.Spec.Name, r.Spec.Kind, chaosLabels(target, mode), r.Before)
		if r.Err != nil {
			fmt.Fprintf(w, "FAILED  %s: %v\n", what, r.Err)
			continue
		}
		fmt.Fprintf(w, "%-7s %s: %s\n", "healed", what, r.Note)
	}
}
