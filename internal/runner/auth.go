package runner

import (
	"context"
	"slices"

	"github.com/slocheck/slocheck/internal/auth"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
)

// tokenHint is the hint of a bearer token the run could not get.
const tokenHint = "sign in with `az login`, or run where a workload or managed identity is set up " +
	"(AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE), and check target.auth.bearer_scope"

// credentials are what a run's requests carry besides the scenario's own
// templates: the steps with their header_env resolved, and target.auth's
// bearer token, refreshed until close. Nothing here is ever printed.
type credentials struct {
	steps   []driver.Step
	data    *driver.Data
	headers []auth.Header // on every request of every step
	token   *auth.Token
}

// newCredentials resolves s's secrets before anything starts: a header_env
// variable that is not set exits 2 naming its field; a bearer token the
// credential chain cannot give exits 3. The token comes from azidentity's
// default chain run in the companion slocheck-cloud (auth.CompanionCredential):
// none of this build found exits 2.
func newCredentials(ctx context.Context, s *scenario.Scenario, getenv func(string) string) (*credentials, error) {
	steps, data, err := s.DriverSteps(getenv)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err, "set the environment variables the steps' header_env names")
	}
	c := &credentials{steps: steps, data: data}
	if s.Target == nil || s.Target.Auth == nil || s.Engine != scenario.EngineGo {
		return c, nil
	}
	a := s.Target.Auth
	path, err := companion.Locate("target.auth.bearer_scope", getenv)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err, companion.Hint)
	}
	if c.token, err = auth.NewToken(ctx, auth.CompanionCredential{Path: path}, a.BearerScope); err != nil {
		return nil, exitcode.New(exitcode.Rig, err, tokenHint)
	}
	c.headers = []auth.Header{{Name: a.Header, Value: c.token.Value}}
	return c, nil
}

// apply puts the credentials into a driver config.
func (c *credentials) apply(cfg *driver.Config) {
	if c != nil {
		cfg.Steps, cfg.Data, cfg.Auth = c.steps, c.data, c.headers
	}
}

// targetHeaders are the headers the pre-run check and the read-back carry:
// the bearer token's and the write steps' header_env secrets (the read-back
// asks the same API for the orders those steps wrote).
func (c *credentials) targetHeaders() []auth.Header {
	if c == nil {
		return nil
	}
	hs := slices.Clone(c.headers)
	for _, st := range c.steps {
		if st.Write != nil {
			hs = append(hs, st.Secrets...)
		}
	}
	return hs
}

// close stops the token's refreshing.
func (c *credentials) close() {
	if c != nil && c.token != nil {
		c.token.Close()
	}
}
