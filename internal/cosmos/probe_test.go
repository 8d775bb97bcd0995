package cosmos_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/slocheck/slocheck/internal/cosmos"
	"github.com/slocheck/slocheck/internal/cosmos/cosmostest"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/results"
)

// lagRecorder collects a probe's samples.
type lagRecorder struct {
	mu   sync.Mutex
	lags []results.Lag
}

func (r *lagRecorder) record(l results.Lag) {
	r.mu.Lock()
	r.lags = append(r.lags, l)
	r.mu.Unlock()
}

// TestProbeOnPlatform runs the lag probe on the embedded platform's
// replicated stores (the emulator has one region and cannot replicate),
// with eastus down for a second and its unreplicated writes lost. The truth
// the probe cannot see is the platform's: its configured replication lag L
// and the fault's own instants. Every marker's figure must fall within one
// probe interval of what that truth predicts:
//   - outside the fault, L (a marker reaches the other region exactly L
//     after its ack; the probe sees it at its next poll);
//   - westeurope's markers written while eastus was down, or within L
//     before: seen in eastus at the heal, so max(L, heal − written);
//   - eastus's markers written within L before the fault: lost, and no
//     other.
func TestProbeOnPlatform(t *testing.T) {
	const lag, interval, poll = 300 * time.Millisecond, 250 * time.Millisecond, 25 * time.Millisecond
	cfg := platform.DefaultConfig()
	cfg.ReplicationLag, cfg.Unreplicated = lag, platform.UnreplicatedLost
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := platform.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	reps := map[string]cosmos.Replica{}
	for _, r := range cfg.Regions {
		if reps[r], err = p.Replica(r); err != nil {
			t.Fatal(err)
		}
	}
	var rec lagRecorder
	probe := cosmos.NewProbe(reps, cosmos.ProbeConfig{Interval: interval, Poll: poll, TTL: time.Hour, RunID: "t", Settle: time.Second}, rec.record)
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); probe.Run(pctx) }()
	time.Sleep(1500 * time.Millisecond)
	fault, err := p.Inject(platform.Fault{Region: "eastus", Mode: platform.ModeDown})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	heal, err := p.Heal("eastus")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	stop()
	<-done
	checkProbe(t, rec.lags, lag, interval, fault, heal)
	if n := probe.FailedWrites()["eastus"]; n < 2 {
		t.Errorf("%d eastus marker writes failed while it was down for 1 s at one each %v: want at least 2", n, interval)
	}
}

func checkProbe(t *testing.T, lags []results.Lag, lag, interval time.Duration, fault, heal time.Time) {
	t.Helper()
	const edge = 20 * time.Millisecond // the probe stamps a write just after the store acked it
	steady, lost := 0, 0
	for _, l := range lags {
		w := l.Written
		switch {
		case l.From == "eastus" && w.After(fault.Add(-lag+edge)) && w.Before(fault.Add(-edge)):
			if !l.Lost {
				t.Errorf("eastus marker written %v before the fault was seen in %s after %v: want lost", fault.Sub(w), l.To, l.Lag.Std())
			}
			lost++
			continue
		case l.From == "eastus" && w.After(fault.Add(-lag-edge)) && w.Before(fault.Add(edge)):
			continue // on the edge of the loss window
		case l.Lost:
			t.Errorf("%s→%s marker written at fault%+v lost: only eastus's last writes before the fault may be", l.From, l.To, w.Sub(fault))
			continue
		}
		want := lag
		if l.From == "westeurope" && w.After(fault.Add(-lag-edge)) && w.Before(heal) {
			want = max(lag, heal.Sub(w))
		} else {
			steady++
		}
		if got := l.Lag.Std(); got < want-edge || got > want+interval {
			t.Errorf("%s→%s marker written at fault%+v: lag %v, want %v to %v", l.From, l.To, w.Sub(fault), got, want, want+interval)
		}
	}
	if steady < 10 || lost < 1 {
		t.Errorf("%d samples outside the fault, %d lost: want at least 10 and 1", steady, lost)
	}
}

// TestProbeOnEmulator runs the probe's azcosmos path: markers written and
// polled through a client pinned to each region. The emulator has one
// region (it ignores preferred regions), so a marker is visible at once:
// every figure is within a poll or so of zero, none lost. The marker
// carries its ttl (the emulator itself never expires documents) and goes to
// the probe's own container, not the orders'.
func TestProbeOnEmulator(t *testing.T) {
	const interval, poll = 100 * time.Millisecond, 10 * time.Millisecond
	em := cosmostest.Start(t)
	em.CreateContainer(t, "shop", "orders", "/id")
	em.CreateContainer(t, "shop", "lag-probe", "/id")
	acc, err := cosmos.Open(cosmos.Config{Endpoint: em.Endpoint, Database: "shop", Container: "orders", ProbeContainer: "lag-probe",
		Key: em.Key, Transport: em.Client()}, []string{"eastus", "westeurope"})
	if err != nil {
		t.Fatal(err)
	}
	reps := map[string]cosmos.Replica{}
	for _, r := range acc.Regions() {
		rep, err := acc.Replica(r, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		reps[r] = rep
	}
	var rec lagRecorder
	probe := cosmos.NewProbe(reps, cosmos.ProbeConfig{Interval: interval, Poll: poll, TTL: 90 * time.Second, RunID: "e"}, rec.record)
	ctx, stop := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer stop()
	probe.Run(ctx)
	pairs := map[string]int{}
	for _, l := range rec.lags {
		pairs[l.From+"→"+l.To]++
		if l.Lost || l.Lag.Std() > interval {
			t.Errorf("%s→%s: lag %v lost %v: want seen within %v", l.From, l.To, l.Lag.Std(), l.Lost, interval)
		}
	}
	if pairs["eastus→westeurope"] < 3 || pairs["westeurope→eastus"] < 3 {
		t.Errorf("samples per pair %v: want at least 3 each", pairs)
	}
	doc, found := readDoc(t, em, "lag-probe", "lag-e-eastus-1")
	if !found || doc["ttl"] != float64(90) || doc["kind"] != "lag-marker" {
		t.Errorf("marker %v: want kind lag-marker and ttl 90", doc)
	}
	if _, found := readDoc(t, em, "orders", "lag-e-eastus-1"); found {
		t.Errorf("a marker went to the orders container")
	}
}

// readDoc reads document id of shop/container straight from the emulator.
func readDoc(t *testing.T, em *cosmostest.Emulator, container, id string) (map[string]any, bool) {
	t.Helper()
	c := em.AccountClient(t)
	ct, err := c.NewContainer("shop", container)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ct.ReadItem(context.Background(), azcosmos.NewPartitionKeyString(id), id, nil)
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(resp.Value, &m); err != nil {
		t.Fatal(err)
	}
	return m, true
}
