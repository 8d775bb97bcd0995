package cloudcmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/buildinfo"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/cosmos/cosmossdk"
)

// newCosmosCmd is `slocheck-cloud cosmos`: the Cosmos DB data tier of
// slocheck (target.cosmos's read-back and lag probe, `slocheck shop
// --cosmos-endpoint`'s store), served over stdin/stdout until stdin ends
// (protocol in package cosmos, wire.go).
func newCosmosCmd(stdio IO, code *int) *cobra.Command {
	return &cobra.Command{
		Use:   "cosmos",
		Short: "Serve slocheck's Cosmos DB reads and writes (line-delimited JSON on stdin/stdout)",
		Long: `Serve slocheck's Cosmos DB data tier through azcosmos, one client per region
pinned by preferred regions: the first line on stdin opens the account
(credentials from azidentity's default chain, or an emulator's key), each
next line is a read, a create or a check, answered on stdout by its id. It
exits when stdin ends. slocheck starts it for target.cosmos and for
slocheck shop --cosmos-endpoint.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := cosmossdk.Serve(cmd.Context(), stdio.In, stdio.Out, buildinfo.String())
			switch {
			case errors.Is(err, companion.ErrOtherBuild):
				*code = exitUsage
			case err != nil:
				*code = exitFailed
			}
			if err != nil {
				fmt.Fprintf(stdio.Err, "%s cosmos: %v\n", companion.Program, err)
			}
			return nil
		},
	}
}
