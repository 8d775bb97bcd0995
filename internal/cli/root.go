// Package cli holds slocheck's cobra commands, one file each. It is the only
// package that touches arguments, standard streams and exit codes; everything
// runs in-process, so tests drive whole commands through Run.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/exitcode"
)

// IO is what a command may touch of its process: standard streams and the
// environment. Tests inject their own.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
}

// Run runs the slocheck command line args and returns the process exit code.
// Errors are printed once, here, with their hint.
func Run(ctx context.Context, args []string, stdio IO) int {
	if stdio.Getenv == nil {
		stdio.Getenv = func(string) string { return "" }
	}
	root := newRootCmd(stdio)
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitcode.OK
	}
	var quiet *silentError
	if errors.As(err, &quiet) {
		return quiet.code
	}
	code := exitcode.Code(err)
	if code == 1 {
		// Only cobra's own errors (unknown flag, wrong arguments) reach
		// here without a code: a command's uncoded errors became rig
		// failures in rigErrors.
		code = exitcode.Usage
	}
	fmt.Fprintf(stdio.Err, "Error: %v\n", err)
	if hint := exitcode.Hint(err); hint != "" {
		fmt.Fprintf(stdio.Err, "Try: %s\n", hint)
	}
	return code
}

// silentError carries an exit code whose explanation was already printed
// (a failed objective shows in the report, not as an error line).
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func newRootCmd(stdio IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "slocheck",
		Short: "Verify a multi-region platform's SLOs while a region fails",
		Long: `slocheck sends geo-distributed shopping traffic to a multi-region platform,
takes a region down in the middle of the run, heals it, and reports what users
saw: p99 latency, availability, RTO, RPO and error-budget burn, each with a
confidence interval and a PASS / FAIL / INCONCLUSIVE verdict.

With no target it starts an embedded two-region platform, so

  slocheck run

shows a real failover measured, with no cloud account.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newVersionCmd(stdio),
	)
	for _, add := range commands {
		root.AddCommand(add(stdio))
	}
	rigErrors(root)
	return root
}

// rigErrors makes every error a command returns without an exit code a rig
// failure (exit 3: a report file that could not be written, a platform that
// would not stop), so that exit 2 keeps meaning "the command was wrong". It
// wraps each command's RunE; cobra's own errors (unknown flag, wrong
// arguments) arise before RunE and stay usage errors.
func rigErrors(cmd *cobra.Command) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			err := run(c, args)
			var quiet *silentError
			if err == nil || exitcode.Code(err) != 1 || errors.As(err, &quiet) {
				return err
			}
			return exitcode.New(exitcode.Rig, err, "")
		}
	}
	for _, sub := range cmd.Commands() {
		rigErrors(sub)
	}
}

// commands are the constructors that each command's file registers in its
// init, so that command files can be added without editing this one.
var commands []func(IO) *cobra.Command

// usageErr marks err as a usage error (exit 2).
func usageErr(err error, hint string) error { return exitcode.New(exitcode.Usage, err, hint) }
