package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"time"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/procgroup"
)

// TokenTimeout bounds one `slocheck-cloud token`: the credential chain may
// try several sources (a managed identity endpoint, the Azure CLI), each
// with its own timeouts.
const TokenTimeout = 60 * time.Second

// TokenAnswer is what `slocheck-cloud token --scope S` writes on stdout:
// the token and its expiry, or why there is none (exit 1). It holds a
// secret: never printed.
type TokenAnswer struct {
	Token     string    `json:"token,omitempty"`
	ExpiresOn time.Time `json:"expires_on"`
	RefreshOn time.Time `json:"refresh_on"`
	Error     string    `json:"error,omitempty"`
}

// CompanionCredential gets each token from azidentity's default credential
// chain (environment, workload identity, managed identity, Azure CLI, ...)
// run in the companion, slocheck-cloud, one process per token, so that
// slocheck links no Azure SDK. Each process runs in a process group of its
// own, killed when ctx ends or after TokenTimeout.
type CompanionCredential struct {
	Path string // the companion's path (companion.Locate)
}

var _ Credential = CompanionCredential{}

// GetToken runs `slocheck-cloud token --scope scope`. A failure of the
// chain is the chain's own message; a companion that fails otherwise is
// named.
func (c CompanionCredential) GetToken(ctx context.Context, scope string) (AccessToken, error) {
	ctx, cancel := context.WithTimeout(ctx, TokenTimeout)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, c.Path, "token", "--scope", scope)
	procgroup.Own(cmd)
	cmd.WaitDelay = time.Second
	cmd.Stdout, cmd.Stderr = &out, &errb
	runErr := cmd.Run()
	var a TokenAnswer
	decodeErr := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &a)
	switch {
	case runErr != nil && ctx.Err() != nil:
		return AccessToken{}, fmt.Errorf("%s token: %w (process group killed)", companion.Program, ctx.Err())
	case a.Error != "":
		return AccessToken{}, fmt.Errorf("%s", a.Error)
	case runErr != nil:
		return AccessToken{}, fmt.Errorf("%s token: %w: %s", companion.Program, runErr, companion.LastLine(errb.String()))
	case decodeErr != nil:
		return AccessToken{}, fmt.Errorf("%s token: its answer: %w", companion.Program, decodeErr)
	}
	return AccessToken{Token: a.Token, ExpiresOn: a.ExpiresOn, RefreshOn: a.RefreshOn}, nil
}
