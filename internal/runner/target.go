package runner

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/auth"
	"github.com/slocheck/slocheck/internal/cosmos"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// target is where the traffic goes: the embedded platform or a deployment.
type target struct {
	name     string            // "embedded" or the target URL
	edges    map[string]string // client region -> base URL
	regions  []string          // the platform's regions (fault targets, read-back regions)
	admin    string            // the embedded platform's admin API; "" for a deployment
	readback string            // read-back URL template with {id} and {region}; "" for none
	servedBy string            // the response header naming the serving region
	// headers are what a real deployment's gateway wants besides the
	// traffic's own: target.auth's bearer token and the write steps'
	// header_env secrets, sent with the pre-run check and the read-back.
	headers  []auth.Header
	platform *platform.Platform
	// cosmos is target.cosmos's account and cosmosReader its read-back
	// reader (cosmos.go); nil without target.cosmos.
	cosmos       *cosmos.Account
	cosmosReader *cosmos.Reader
	cosmosLog    *os.File // the companion's messages (cosmos.go)
}

// authorize sets t's headers on req (values are secrets: never printed).
func (t *target) authorize(req *http.Request) {
	for _, h := range t.headers {
		req.Header.Set(h.Name, h.Value())
	}
}

// openTarget starts the embedded platform, or checks that every edge of the
// deployment answers before any fault is injected (exit 3 otherwise).
func openTarget(ctx context.Context, s *scenario.Scenario, headers []auth.Header, tune func(*platform.Config)) (*target, error) {
	if s.Embedded() {
		return startEmbedded(ctx, s, tune)
	}
	t := &target{
		headers:  headers,
		name:     s.Target.URL,
		edges:    map[string]string{},
		regions:  s.Regions(),
		readback: s.Target.ReadbackURL,
		servedBy: s.Target.ServedByHeader,
	}
	for _, cr := range s.ClientRegions() {
		u := s.Target.URL
		if e, ok := s.Target.Edges[cr]; ok {
			u = e
		}
		t.edges[cr] = strings.TrimRight(u, "/")
	}
	if t.name == "" {
		t.name = t.edges[s.ClientRegions()[0]]
	}
	if err := checkReachable(ctx, t, s.Target.CheckURL); err != nil {
		return nil, err
	}
	return t, nil
}

func startEmbedded(ctx context.Context, s *scenario.Scenario, tune func(*platform.Config)) (*target, error) {
	cfg := platform.DefaultConfig()
	cfg.Regions = s.Platform.Regions
	cfg.ClientRegions = s.Platform.ClientRegions
	cfg.Probe = platform.ProbeSettings{
		Interval:          s.Platform.Probe.Interval,
		SampleSize:        s.Platform.Probe.SampleSize,
		SuccessfulSamples: s.Platform.Probe.SuccessfulSamples,
		Timeout:           s.Platform.Probe.Timeout,
	}
	cfg.ReplicationLag = s.Platform.ReplicationLag
	cfg.Unreplicated = platform.Unreplicated(s.Platform.Unreplicated)
	cfg.Seed = uint64(s.Platform.Seed)
	if tune != nil {
		tune(&cfg)
	}
	p, err := platform.Start(ctx, cfg)
	if err != nil {
		return nil, exitcode.New(exitcode.Rig, fmt.Errorf("start the embedded platform: %w", err), "")
	}
	d := p.Describe()
	return &target{
		name:     "embedded",
		edges:    d.Edges,
		regions:  slices.Clone(cfg.Regions),
		admin:    d.Admin,
		readback: d.Admin + "/orders/{id}?region={region}",
		servedBy: "X-Served-By",
		platform: p,
	}, nil
}

// checkReachable asks every distinct edge for check (a path or URL) and
// requires a 2xx (after redirects): a transport error, a 5xx and a 4xx alike
// fail the run before anything is injected (exit 3). A 404 from /health is
// a target that answers nothing the traffic asks for (a path typo in
// --target), not an available one.
func checkReachable(ctx context.Context, t *target, check string) error {
	if check == "" {
		check = "/health"
	}
	client := &http.Client{Timeout: 5 * time.Second}
	seen := map[string]bool{}
	for _, cr := range slices.Sorted(maps.Keys(t.edges)) {
		u := check
		if !strings.Contains(check, "://") {
			u = t.edges[cr] + "/" + strings.TrimLeft(check, "/")
		}
		if seen[u] {
			continue
		}
		seen[u] = true
		if err := checkOnce(ctx, client, t, cr, u); err != nil {
			return err
		}
	}
	return nil
}

// checkOnce is one GET of the pre-run check.
func checkOnce(ctx context.Context, client *http.Client, t *target, cr, u string) error {
	const nothing = "; nothing was injected"
	if _, err := url.Parse(u); err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("target check %q: %w", u, err), "fix target.check_url or --target"+nothing)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("target check %q: %w", u, err), "fix target.check_url or --target"+nothing)
	}
	t.authorize(req)
	resp, err := client.Do(req)
	if err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("target unreachable (client region %s): GET %s: %w", cr, u, err),
			"check the target URL and that it is up"+nothing)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return exitcode.New(exitcode.Rig,
			fmt.Errorf("target check failed (client region %s): GET %s answered %s, want a 2xx", cr, u, resp.Status),
			fmt.Sprintf("GET %s must answer 2xx: check --target (a wrong path answers 404) or set target.check_url to a path that answers 200%s", u, nothing))
	}
	return nil
}

// events returns the platform's own ground truth (probe transitions) for
// the stream; the fault events come from the chaos runner.
func (t *target) events() []results.Event {
	if t.platform == nil {
		return nil
	}
	var out []results.Event
	for _, e := range t.platform.Events() {
		if e.Kind == results.EventProbe {
			out = append(out, e)
		}
	}
	return out
}

// Close ends target.cosmos's companion and stops the embedded platform.
func (t *target) Close() error {
	t.closeCosmos()
	if t.platform == nil {
		return nil
	}
	return t.platform.Close()
}
