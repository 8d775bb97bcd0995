package cli

import (
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
)

func init() { commands = append(commands, newShopCmd) }

type shopCmd struct {
	stdio         IO
	region        string
	listen        string
	seed          uint64
	noServiceTime bool
	grace         time.Duration
	cosmos        shopCosmos
}

func newShopCmd(stdio IO) *cobra.Command {
	s := &shopCmd{stdio: stdio}
	cmd := &cobra.Command{
		Use:   "shop --region NAME [--listen ADDR]",
		Short: "Serve one region's reference shop (the container workload)",
		Long: `Serve one region's shop alone, with no front door and no WAN delay: the reference
workload the pipelines build into a container image and deploy to each AKS
cluster. Endpoints: GET /catalog, GET /products/{id}, POST /cart, POST /checkout,
GET /orders/{id}, GET /health; every response carries X-Served-By: <region>.

On SIGTERM (or SIGINT) it stops accepting connections and lets requests in
flight finish within --shutdown-timeout, as Kubernetes expects. It stops the
same way, with exit code 3, when the companion holding its Cosmos DB client
dies, so that it is restarted.

Orders stay in memory unless --cosmos-endpoint (or SLOCHECK_COSMOS_ENDPOINT)
names a Cosmos DB account: then every order is written through azcosmos (in
the companion slocheck-cloud, which must be installed beside slocheck), with
the shop's region first in preferred regions, and acknowledged only after
Cosmos DB accepted it; GET /orders/{id} reads it back from Cosmos DB and
GET /health reports the database as a dependency (503 while unreachable).
Credentials come from azidentity's default chain (workload identity on AKS);
an emulator's key is read from SLOCHECK_COSMOS_KEY only and never printed.`,
		Example: `  slocheck shop --region eastus
  slocheck shop --region westeurope --listen 127.0.0.1:9002 --no-service-time
  slocheck shop --region eastus --cosmos-endpoint https://shop.documents.azure.com:443/ \
      --cosmos-database shop --cosmos-container orders --cosmos-location "East US"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return s.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&s.region, "region", "", "the region this shop serves (required), e.g. eastus")
	f.StringVar(&s.listen, "listen", ":8080", "address to listen on")
	f.Uint64Var(&s.seed, "seed", 1, "seed of the modelled service times")
	f.BoolVar(&s.noServiceTime, "no-service-time", false, "answer at once instead of with the modelled service times")
	f.DurationVar(&s.grace, "shutdown-timeout", 25*time.Second, "how long requests in flight may finish after SIGTERM")
	s.cosmos.flags(f)
	_ = cmd.MarkFlagRequired("region")
	return cmd
}

func (s *shopCmd) run(cmd *cobra.Command) error {
	cfg := platform.ShopConfig{Region: s.region, Seed: s.seed, Service: platform.DefaultService()}
	if s.noServiceTime {
		cfg.Service = nil
	}
	orders, desc, err := s.cosmos.store(cmd.Context(), s.region, s.stdio.Getenv, s.stdio.Err)
	defer s.cosmos.close()
	if exitcode.Code(err) == exitcode.Usage {
		return err
	}
	if err != nil {
		return usageErr(err, "slocheck shop --region eastus --cosmos-endpoint URL --cosmos-database D --cosmos-container C")
	}
	cfg.Orders = orders
	shop, err := platform.NewShop(cfg)
	if err != nil {
		return usageErr(err, "slocheck shop --region eastus")
	}
	l, err := net.Listen("tcp", s.listen)
	if err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("shop %s: %w", s.region, err), "choose a free address with --listen")
	}
	if _, err := fmt.Fprintf(s.stdio.Out, "shop %s listening on http://%s (%s)\n", s.region, l.Addr(), desc); err != nil {
		l.Close()
		return err
	}
	ctx, stop := s.cosmos.stopOnCrash(cmd.Context())
	defer stop()
	if err := platform.ServeShop(ctx, l, shop, s.grace); err != nil {
		return exitcode.New(exitcode.Rig, err, "")
	}
	if err := s.cosmos.crashed(); err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("shop %s: orders in Cosmos DB: %w", s.region, err),
			"the shop stopped so that it is restarted (Kubernetes restarts the pod); see the companion's messages above")
	}
	_, err = fmt.Fprintf(s.stdio.Out, "shop %s stopped\n", s.region)
	return err
}
