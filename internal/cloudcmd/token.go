package cloudcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/auth"
	"github.com/slocheck/slocheck/internal/companion"
)

// newTokenCmd is `slocheck-cloud token --scope S`: one bearer token from
// azidentity's default credential chain, for target.auth.bearer_scope
// (auth.CompanionCredential asks again before it expires).
func newTokenCmd(stdio IO, code *int) *cobra.Command {
	var scope string
	cmd := &cobra.Command{
		Use:   "token --scope SCOPE",
		Short: "Print a bearer token for SCOPE from azidentity's default credential chain (JSON)",
		Long: `Print one bearer token for SCOPE from azidentity's default credential chain
(environment, workload identity, managed identity, Azure CLI, ...) on stdout,
as JSON: {"token", "expires_on", "refresh_on"}; or {"error"} and exit 1 when
the chain gives none. slocheck runs it for target.auth.bearer_scope.`,
		Example: `  slocheck-cloud token --scope api://my-shop/.default`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scope == "" {
				return errors.New("token needs --scope")
			}
			*code = writeToken(cmd.Context(), stdio, scope)
			return nil
		},
	}
	cmd.Flags().StringVar(&scope, "scope", "", "the token's scope, e.g. api://my-shop/.default")
	return cmd
}

// writeToken gets the token and writes the answer; it returns the exit code.
func writeToken(ctx context.Context, stdio IO, scope string) int {
	var a auth.TokenAnswer
	code := exitOK
	tok, err := getToken(ctx, scope)
	if err != nil {
		a.Error, code = err.Error(), exitFailed
		fmt.Fprintf(stdio.Err, "%s token: %v\n", companion.Program, err)
	} else {
		a.Token, a.ExpiresOn, a.RefreshOn = tok.Token, tok.ExpiresOn, tok.RefreshOn
	}
	if err := json.NewEncoder(stdio.Out).Encode(a); err != nil {
		return exitFailed
	}
	return code
}

func getToken(ctx context.Context, scope string) (auth.AccessToken, error) {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return auth.AccessToken{}, fmt.Errorf("azure credential: %w", err)
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		return auth.AccessToken{}, err
	}
	return auth.AccessToken{Token: tok.Token, ExpiresOn: tok.ExpiresOn, RefreshOn: tok.RefreshOn}, nil
}
