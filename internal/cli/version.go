package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/buildinfo"
)

// versionString is the version of this binary (see buildinfo.String).
func versionString() string { return buildinfo.String() }

func newVersionCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print slocheck's version",
		Example: "  slocheck version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(stdio.Out, "slocheck %s %s/%s %s\n", versionString(), runtime.GOOS, runtime.GOARCH, runtime.Version())
			return err
		},
	}
}
