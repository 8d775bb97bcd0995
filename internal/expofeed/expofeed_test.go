package expofeed_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/slocheck/slocheck/internal/expofeed"
)

// TestSnapshotsRoundTrip writes two snapshots of a registry and checks the
// reader gathers the second, equal to the registry's own exposition (the
// native histogram included), and that a torn snapshot is an error.
func TestSnapshotsRoundTrip(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "requests_total", Help: "h"}, []string{"region"})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency_seconds", Help: "h", NativeHistogramBucketFactor: 1.1})
	reg.MustRegister(c, h)
	var buf bytes.Buffer
	c.WithLabelValues("eastus").Add(3)
	if err := expofeed.Write(&buf, reg); err != nil {
		t.Fatal(err)
	}
	c.WithLabelValues("westeurope").Add(5)
	h.Observe(0.042)
	if err := expofeed.Write(&buf, reg); err != nil {
		t.Fatal(err)
	}
	r := expofeed.NewReader(&buf)
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	got, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := reg.Gather()
	if len(got) != len(want) {
		t.Fatalf("gathered %d families, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].String() != want[i].String() {
			t.Errorf("family %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	if n, err := testutil.GatherAndCount(r, "requests_total"); err != nil || n != 2 {
		t.Errorf("requests_total series: %d, %v", n, err)
	}
	var torn bytes.Buffer
	if err := expofeed.Write(&torn, reg); err != nil {
		t.Fatal(err)
	}
	half := io.LimitReader(&torn, int64(torn.Len()-3))
	if err := expofeed.NewReader(half).Run(); err == nil || !strings.Contains(err.Error(), "read metrics") {
		t.Errorf("a torn snapshot: %v", err)
	}
}
