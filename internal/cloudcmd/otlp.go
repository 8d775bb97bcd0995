package cloudcmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	promb "go.opentelemetry.io/contrib/bridges/prometheus"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/slocheck/slocheck/internal/expofeed"
)

// flushTimeout bounds the last push, once stdin has ended.
const flushTimeout = 10 * time.Second

// newOTLPCmd is `slocheck-cloud otlp`: the exporter of `slocheck run
// --otlp-endpoint`. It reads the run's metrics (package expofeed) on stdin
// and pushes the latest every interval through OpenTelemetry's Prometheus
// bridge and otlpmetrichttp; when stdin ends it pushes once more and exits.
func newOTLPCmd(stdio IO, code *int) *cobra.Command {
	var endpoint string
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "otlp --endpoint URL [--interval D]",
		Short: "Push the metrics slocheck writes on stdin to an OTLP/HTTP collector",
		Example: `  # what slocheck run --otlp-endpoint http://127.0.0.1:4318 starts
  slocheck-cloud otlp --endpoint http://127.0.0.1:4318/v1/metrics --interval 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if endpoint == "" || every <= 0 {
				return errors.New("otlp needs --endpoint URL and a positive --interval")
			}
			if err := pushOTLP(cmd.Context(), stdio, endpoint, every); err != nil {
				fmt.Fprintf(stdio.Err, "slocheck-cloud otlp: %v\n", err)
				*code = exitFailed
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "the collector's OTLP/HTTP metrics `URL` (headers: $OTEL_EXPORTER_OTLP_HEADERS, $OTEL_EXPORTER_OTLP_METRICS_HEADERS)")
	cmd.Flags().DurationVar(&every, "interval", 5*time.Second, "how often to push")
	return cmd
}

// pushOTLP pushes what stdin carries until it ends, then flushes.
func pushOTLP(ctx context.Context, stdio IO, endpoint string, every time.Duration) error {
	exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(endpoint))
	if err != nil {
		return fmt.Errorf("exporter: %w", err)
	}
	feed := expofeed.NewReader(stdio.In)
	reader := sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(every),
		sdkmetric.WithProducer(promb.NewMetricProducer(promb.WithGatherer(feed))))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	readErr := feed.Run()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	return errors.Join(readErr, provider.Shutdown(fctx)) // the last push
}
