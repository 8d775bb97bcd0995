// Package expofeed carries a Prometheus registry's exposition from slocheck
// to its companion's OTLP exporter: Write sends one snapshot (every metric
// family, Prometheus protobuf, length-delimited, as expfmt encodes it, then
// an end marker); a Reader reads snapshots and gathers the latest whole one,
// so it serves as the prometheus.Gatherer of the OpenTelemetry bridge.
package expofeed

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// endOfSnapshot names the family without metrics that ends each snapshot.
const endOfSnapshot = "slocheck_feed_end_of_snapshot"

var format = expfmt.NewFormat(expfmt.TypeProtoDelim)

// Write gathers g and writes the snapshot to w.
func Write(w io.Writer, g prometheus.Gatherer) error {
	mfs, err := g.Gather()
	if err != nil {
		return fmt.Errorf("gather metrics: %w", err)
	}
	bw := bufio.NewWriter(w)
	enc := expfmt.NewEncoder(bw, format)
	for _, mf := range append(mfs, &dto.MetricFamily{Name: new(endOfSnapshot)}) {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("write metrics: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// Reader reads snapshots written by Write.
type Reader struct {
	dec expfmt.Decoder

	mu     sync.Mutex
	latest []*dto.MetricFamily
}

var _ prometheus.Gatherer = (*Reader)(nil)

// NewReader reads snapshots from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{dec: expfmt.NewDecoder(r, format)}
}

// Run reads snapshots until r ends, keeping the latest whole one. It returns
// nil at the end of r after a whole snapshot (or none at all).
func (r *Reader) Run() error {
	var next []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		err := r.dec.Decode(mf)
		if errors.Is(err, io.EOF) && len(next) == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read metrics: %w", err)
		}
		if mf.GetName() != endOfSnapshot {
			next = append(next, mf)
			continue
		}
		r.mu.Lock()
		r.latest = next
		r.mu.Unlock()
		next = nil
	}
}

// Gather returns the latest whole snapshot.
func (r *Reader) Gather() ([]*dto.MetricFamily, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.latest, nil
}
