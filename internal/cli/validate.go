package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/scenario"
)

func init() { commands = append(commands, newValidateCmd) }

// validateCmd is `slocheck validate`: it checks scenario files (or builtin
// scenarios by name) and reports every problem of every file at once.
type validateCmd struct {
	stdio IO
	print bool
}

func newValidateCmd(stdio IO) *cobra.Command {
	v := &validateCmd{stdio: stdio}
	cmd := &cobra.Command{
		Use:   "validate FILE|NAME...",
		Short: "Check scenario files, every problem at once",
		Long: `validate reads each scenario file (or builtin scenario, by name), prints
"ok FILE" and the requests its plan sends in steady state for a good one, and
every problem of a bad one, each with its file,
line, column and field, then exits 2 if any file had a problem. Warnings (valid
but probably not meant, such as a steady state too short to decide the
availability objective) go to standard error and do not fail.

Builtin scenarios: ` + strings.Join(scenario.Names(), ", ") + `.
docs/scenarios.md describes every field and its default.`,
		Example: `  slocheck validate scenarios/my-failover.yaml
  slocheck validate default-failover release-gate
  # The scenario with every default filled in, as a file to start from
  slocheck validate --print default-failover > my-failover.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: v.run,
	}
	cmd.Flags().BoolVar(&v.print, "print", false, "print each valid scenario as YAML with every default filled in")
	return cmd
}

func (v *validateCmd) run(_ *cobra.Command, args []string) error {
	bad := 0
	for _, arg := range args {
		if err := v.one(arg); err != nil {
			bad++
			fmt.Fprintln(v.stdio.Err, err)
		}
	}
	if bad > 0 {
		return usageErr(fmt.Errorf("%d of %d scenario files invalid", bad, len(args)),
			"fix the fields named above; docs/scenarios.md lists every field")
	}
	return nil
}

// one validates one file or builtin name, printing "ok" and any warnings.
func (v *validateCmd) one(arg string) error {
	s, err := scenario.Open(arg)
	if err != nil {
		return err
	}
	for _, w := range s.Warnings() {
		fmt.Fprintf(v.stdio.Err, "warning: %v\n", w)
	}
	if !v.print {
		_, err = fmt.Fprintf(v.stdio.Out, "ok %s: %s\n", arg, steadyState(s))
		return err
	}
	out, err := s.YAML()
	if err != nil {
		return fmt.Errorf("print scenario %s: %w", arg, err)
	}
	// A YAML stream: one document per scenario, its status as a comment.
	_, err = fmt.Fprintf(v.stdio.Out, "---\n# ok %s: %s\n%s", arg, steadyState(s), out)
	return err
}

// steadyState says how many requests the scenario's plan sends in steady
// state (the rule internal/slo judges availability on) and how many
// failure-free ones decide its availability objective: "steady state about
// 48,000 requests (38,411 decide availability 99.99 % with no failure)".
func steadyState(s *scenario.Scenario) string {
	return fmt.Sprintf("steady state about %s requests (%s decide availability %s with no failure)",
		thousands(int64(math.Round(s.SteadyStateRequests()))), thousands(int64(scenario.RequestsToDecide(s.Objectives.Availability))),
		strconv.FormatFloat(s.Objectives.Availability*100, 'f', -1, 64)+" %")
}

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	d := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 && d[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
