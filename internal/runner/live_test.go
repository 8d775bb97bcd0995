package runner

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/live"
	"github.com/slocheck/slocheck/internal/scenario"
)

// The send lag histogram the live metrics export from the health sampler's
// buckets counts every lag in the right classic bucket: each bucket's
// cumulative count equals the lags at most its bound, counted one by one.
func TestLiveSendLagBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s lagSlot
	lags := make([]time.Duration, 20_000)
	for i := range lags {
		lags[i] = time.Duration(rng.ExpFloat64()*float64(2*time.Millisecond)) | 1 // odd nanoseconds: never exactly on a bound (that one would count above it)
		s.add(lags[i])
	}
	st := s.take(1)
	m := live.NewMetrics(time.Second)
	m.SendLags(st.buckets)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != live.MetricSendLag {
			continue
		}
		h := f.Metric[0].GetHistogram()
		if h.GetSampleCount() != uint64(len(lags)) || len(h.Bucket) < 10 {
			t.Fatalf("%d lags in %d buckets, want %d in >= 10", h.GetSampleCount(), len(h.Bucket), len(lags))
		}
		for _, b := range h.Bucket {
			var want uint64
			for _, l := range lags {
				if l.Seconds() <= b.GetUpperBound() {
					want++
				}
			}
			if b.GetCumulativeCount() != want {
				t.Errorf("le=%g: %d, counted one by one %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
			}
		}
		return
	}
	t.Fatalf("no %s", live.MetricSendLag)
}

// A manual fault needs the control API and the Go engine: with engine k6 the
// run refuses to start (exit 2), saying why.
func TestCheckManual(t *testing.T) {
	manual := []scenario.Fault{{Name: "eastus-portal", Injector: scenario.InjectorManual}}
	for _, tc := range []struct {
		engine string
		live   bool
		want   string // "" accepted
	}{
		{scenario.EngineGo, true, ""},
		{scenario.EngineGo, false, "control API"},
		{scenario.EngineK6, true, "Go engine"},
	} {
		o := &Options{}
		if tc.live {
			o.Live = &LiveOptions{}
		}
		err := checkManual(&scenario.Scenario{Engine: tc.engine, Faults: manual}, o)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s, live %v: %v, want accepted", tc.engine, tc.live, err)
		case tc.want != "" && (exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s, live %v: %v, want exit %d naming %q", tc.engine, tc.live, err, exitcode.Usage, tc.want)
		}
	}
}
