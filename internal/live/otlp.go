package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/expofeed"
	"github.com/slocheck/slocheck/internal/procgroup"
)

// DefaultOTLPInterval is how often the metrics are pushed to an OTLP endpoint.
const DefaultOTLPInterval = 5 * time.Second

// OTLP pushes the live metrics to an OpenTelemetry collector over OTLP/HTTP
// (protobuf): the same metrics as GET /metrics. The exporter (OpenTelemetry's
// Prometheus bridge and otlpmetrichttp, which links gRPC) runs in the
// companion slocheck-cloud (`slocheck-cloud otlp`), so that slocheck does not
// link it: slocheck writes the registry's exposition to the companion's stdin
// every interval and once at the end (package expofeed), and the companion
// pushes what it last read, and once more when its stdin ends.
type OTLP struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	m      *Metrics
	kill   context.CancelFunc
	stop   chan struct{}
	fed    chan error    // the feeder's last error, when it has stopped
	exited chan struct{} // closed once the companion has exited
	err    error         // the companion's Wait, once exited is closed

	once    sync.Once // Shutdown
	shutErr error
}

// StartOTLP starts pushing m to endpoint (e.g. http://127.0.0.1:4318; the
// path defaults to /v1/metrics) every `every` (0: DefaultOTLPInterval)
// through slocheck-cloud, found with getenv (nil: os.Getenv; see package
// companion). headers go with every export (a collector's API key), as do
// those of $OTEL_EXPORTER_OTLP_HEADERS. The companion's messages go to
// stderr (nil: os.Stderr).
func StartOTLP(ctx context.Context, endpoint string, m *Metrics, every time.Duration, headers map[string]string, getenv func(string) string, stderr io.Writer) (*OTLP, error) {
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
	if getenv == nil {
		getenv = os.Getenv
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	path, err := companion.Locate("--otlp-endpoint", getenv)
	if err != nil {
		return nil, err
	}
	cctx, kill := context.WithCancel(context.WithoutCancel(ctx))
	cmd := exec.CommandContext(cctx, path, "otlp", "--endpoint", u.String(), "--interval", every.String())
	procgroup.Own(cmd)
	cmd.Env = append(os.Environ(), otlpHeaders(headers)...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		kill()
		return nil, fmt.Errorf("otlp exporter: start %s: %w", path, err)
	}
	o := &OTLP{cmd: cmd, stdin: stdin, m: m, kill: kill, stop: make(chan struct{}), fed: make(chan error, 1), exited: make(chan struct{})}
	go func() { o.err = cmd.Wait(); close(o.exited) }()
	go o.feed(every)
	return o, nil
}

// otlpHeaders passes headers in the variable the OTLP exporter reads for
// metrics (W3C baggage format), beside any the environment sets for all
// signals.
func otlpHeaders(headers map[string]string) []string {
	if len(headers) == 0 {
		return nil
	}
	var kv []string
	for k, v := range headers {
		kv = append(kv, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return []string{"OTEL_EXPORTER_OTLP_METRICS_HEADERS=" + strings.Join(kv, ",")}
}

// feed writes a snapshot every interval, and a last one when stopped; then
// it closes the companion's stdin, which makes it push and exit.
func (o *OTLP) feed(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	done := func(err error) {
		_ = o.stdin.Close()
		o.fed <- err
	}
	for {
		select {
		case <-t.C:
			if err := expofeed.Write(o.stdin, o.m.reg); err != nil {
				done(err)
				return
			}
		case <-o.stop:
			done(expofeed.Write(o.stdin, o.m.reg))
			return
		case <-o.exited:
			done(errors.New("slocheck-cloud otlp exited before the run ended"))
			return
		}
	}
}

// Shutdown sends the final values, lets the companion push them and waits
// for it to exit; when ctx ends first, the companion is killed. A second
// call returns the first's error.
func (o *OTLP) Shutdown(ctx context.Context) error {
	if o == nil {
		return nil
	}
	o.once.Do(func() { o.shutErr = o.shutdown(ctx) })
	return o.shutErr
}

func (o *OTLP) shutdown(ctx context.Context) error {
	close(o.stop)
	defer o.kill()
	var feedErr error
	select {
	case feedErr = <-o.fed:
	case <-ctx.Done():
	}
	select {
	case <-o.exited:
	case <-ctx.Done():
		o.kill()
		<-o.exited
		return fmt.Errorf("otlp exporter: %w (slocheck-cloud killed)", ctx.Err())
	}
	if o.err != nil {
		return fmt.Errorf("otlp exporter: slocheck-cloud otlp: %w", o.err)
	}
	if feedErr != nil {
		return fmt.Errorf("otlp exporter: %w", feedErr)
	}
	return nil
}
