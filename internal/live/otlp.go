package live

import (
	"context"
	"fmt"
	"net/url"
	"time"

	promb "go.opentelemetry.io/contrib/bridges/prometheus"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// DefaultOTLPInterval is how often the metrics are pushed to an OTLP endpoint.
const DefaultOTLPInterval = 5 * time.Second

// OTLP pushes the live metrics to an OpenTelemetry collector over OTLP/HTTP
// (protobuf): the same metrics as GET /metrics, bridged from the Prometheus
// registry, so there is one set of metrics for both.
type OTLP struct {
	provider *sdkmetric.MeterProvider
}

// StartOTLP starts pushing m to endpoint (e.g. http://127.0.0.1:4318; the
// path defaults to /v1/metrics) every `every` (0: DefaultOTLPInterval).
// headers go with every export (a collector's API key).
func StartOTLP(ctx context.Context, endpoint string, m *Metrics, every time.Duration, headers map[string]string) (*OTLP, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--otlp-endpoint %q: want http(s)://HOST:PORT[/PATH]", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/metrics"
	}
	if every <= 0 {
		every = DefaultOTLPInterval
	}
	opts := []otlpmetrichttp.Option{otlpmetrichttp.WithEndpointURL(u.String())}
	if len(headers) > 0 {
		opts = append(opts, otlpmetrichttp.WithHeaders(headers))
	}
	exp, err := otlpmetrichttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	reader := sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(every),
		sdkmetric.WithProducer(promb.NewMetricProducer(promb.WithGatherer(m.reg))))
	return &OTLP{provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))}, nil
}

// Shutdown pushes the final values and stops.
func (o *OTLP) Shutdown(ctx context.Context) error {
	if o == nil {
		return nil
	}
	return o.provider.Shutdown(ctx)
}
