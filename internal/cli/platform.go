package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
)

func init() { commands = append(commands, newPlatformCmd) }

// platformAdminTokenEnv is the environment variable that holds the admin API's
// bearer token when --admin-token is not given.
const platformAdminTokenEnv = "SLOCHECK_ADMIN_TOKEN"

func newPlatformCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "platform",
		Short: "The embedded multi-region shop platform",
		Long: `The embedded multi-region shop platform: a shop per region, a front door edge per
client region routing to the nearest healthy region by health probes, WAN delay,
asynchronous replication, and faults you inject and heal through an admin API.`,
		Example: "  slocheck platform serve",
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(newPlatformServeCmd(stdio))
	return cmd
}

type platformServe struct {
	stdio         IO
	cfg           platform.Config
	clientRegions map[string]string
	unreplicated  string
	describe      string
}

func newPlatformServeCmd(stdio IO) *cobra.Command {
	s := &platformServe{stdio: stdio, cfg: platform.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the embedded platform as its own process until interrupted",
		Long: `Run the embedded platform until SIGINT or SIGTERM: one shop per region, one front
door edge per client region, and the admin API (GET /state, POST /faults,
DELETE /faults/{region}, GET /events, GET /orders/{id}?region=R).

Every listener but the admin API's is on 127.0.0.1 at a random port unless set;
the URLs are printed, and written as JSON to --describe FILE. The admin API
refuses to listen off loopback without a bearer token (--admin-token or
` + platformAdminTokenEnv + `).`,
		Example: `  slocheck platform serve
  slocheck platform serve --describe platform.json --probe-interval 1s
  slocheck platform serve --service-scale 1.2   # a build whose shop is 20 % slower
  slocheck platform serve --regions eastus,westeurope,southeastasia \
      --client-regions us=eastus,eu=westeurope,asia=southeastasia
  SLOCHECK_ADMIN_TOKEN=… slocheck platform serve --listen 0.0.0.0:7070`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return s.run(cmd) },
	}
	f := cmd.Flags()
	c := &s.cfg
	f.StringVar(&c.AdminAddr, "listen", "127.0.0.1:7070", "admin API address")
	f.StringVar(&c.AdminToken, "admin-token", "", "bearer token the admin API requires (default $"+platformAdminTokenEnv+")")
	f.StringSliceVar(&c.Regions, "regions", c.Regions, "shop regions")
	f.StringToStringVar(&s.clientRegions, "client-regions", c.ClientRegions, "client regions (one edge each) and their nearest region")
	f.StringToStringVar(&c.EdgeAddrs, "edge-addr", nil, "listen address per edge, e.g. us=127.0.0.1:8081 (default random loopback ports)")
	f.StringToStringVar(&c.RegionAddrs, "region-addr", nil, "listen address per region, e.g. eastus=127.0.0.1:9001 (default random loopback ports)")
	f.DurationVar(&c.Probe.Interval, "probe-interval", c.Probe.Interval, "time between two health probes of an origin from an edge")
	f.IntVar(&c.Probe.SampleSize, "probe-sample-size", c.Probe.SampleSize, "probes considered for an origin's health")
	f.IntVar(&c.Probe.SuccessfulSamples, "probe-successful-samples", c.Probe.SuccessfulSamples, "of the last sample-size probes, how many must succeed")
	f.DurationVar(&c.Probe.Timeout, "probe-timeout", c.Probe.Timeout, "a probe not answered 200 within this failed")
	f.DurationVar(&c.NearDelay, "wan-near", c.NearDelay, "one-way WAN delay from a client region to its nearest region")
	f.DurationVar(&c.FarDelay, "wan-far", c.FarDelay, "one-way WAN delay from a client region to any other region")
	f.DurationVar(&c.ReplicationLag, "replication-lag", c.ReplicationLag, "delay before a write reaches the other regions")
	f.StringVar(&s.unreplicated, "unreplicated", string(c.Unreplicated), "fate of a failed region's unreplicated writes on heal: late (replicate, as Cosmos DB does) or lost")
	f.Float64Var(&c.ServiceScale, "service-scale", 1, "multiply every service time drawn by this, e.g. 1.2 for a shop 20 % slower")
	f.Uint64Var(&c.Seed, "seed", c.Seed, "seed of service times and error draws")
	f.StringVar(&s.describe, "describe", "", "write the platform's URLs as JSON to `FILE` once listening")
	return cmd
}

func (s *platformServe) run(cmd *cobra.Command) error {
	s.cfg.ClientRegions = s.clientRegions
	s.cfg.Unreplicated = platform.Unreplicated(s.unreplicated)
	if s.cfg.AdminToken == "" {
		s.cfg.AdminToken = s.stdio.Getenv(platformAdminTokenEnv)
	}
	p, err := platform.Start(cmd.Context(), s.cfg)
	switch {
	case errors.Is(err, platform.ErrConfig):
		return usageErr(err, "slocheck platform serve --help")
	case errors.Is(err, platform.ErrAdminToken):
		return usageErr(err, "slocheck platform serve --admin-token TOKEN --listen "+s.cfg.AdminAddr)
	case err != nil:
		return exitcode.New(exitcode.Rig, err, "choose free addresses with --listen, --edge-addr and --region-addr")
	}
	defer p.Close()
	// The URLs are printed before --describe's file appears, so whoever waits
	// for the file finds them printed too.
	if err := printPlatform(s.stdio.Out, p); err != nil {
		return err
	}
	if s.describe != "" {
		if err := writePlatformDescription(s.describe, p.Describe()); err != nil {
			return exitcode.New(exitcode.Rig, err, "")
		}
	}
	<-cmd.Context().Done()
	if err := p.Close(); err != nil {
		return fmt.Errorf("stop platform: %w", err)
	}
	_, err = fmt.Fprintln(s.stdio.Out, "platform stopped")
	return err
}

// writePlatformDescription writes d to path atomically, so a script polling for the
// file never reads half of it.
func writePlatformDescription(path string, d platform.Description) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("describe platform: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".describe-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func printPlatform(w io.Writer, p *platform.Platform) error {
	d, cfg := p.Describe(), p.Config()
	var b strings.Builder
	fmt.Fprintf(&b, "slocheck platform serving\n  admin              %s\n", d.Admin)
	for _, cr := range platformNames(d.Edges) {
		fmt.Fprintf(&b, "  edge %-13s %s  (nearest %s)\n", cr, d.Edges[cr], cfg.ClientRegions[cr])
	}
	for _, r := range cfg.Regions {
		fmt.Fprintf(&b, "  region %-11s %s\n", r, d.Regions[r])
	}
	ps := cfg.Probe
	dlo, dhi := ps.DetectionWindow(false, cfg.NearDelay)
	blo, bhi := ps.DetectionWindow(true, cfg.NearDelay)
	fmt.Fprintf(&b, "probes every %v, %d of the last %d must succeed, timeout %v: a nearby edge detects down in (%v, %v], blackhole in (%v, %v]\n",
		ps.Interval, ps.SuccessfulSamples, ps.SampleSize, ps.Timeout, dlo, dhi, blo, bhi)
	fmt.Fprintf(&b, "replication lag %v, unreplicated writes on heal: %s\nStop with Ctrl-C.\n", cfg.ReplicationLag, cfg.Unreplicated)
	_, err := io.WriteString(w, b.String())
	return err
}

func platformNames(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
