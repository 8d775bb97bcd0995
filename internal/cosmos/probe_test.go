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
// and the fault's own instants. Every marker's bracket [lag − resolution,
// lag] must hold what that truth predicts (so a figure is within one probe
// interval of it whenever the probe kept pace, resolution <= interval; on a
// machine too busy for that, the resolution says how late the probe was):
//   - outside the fault, L (a marker reaches the other region exactly L
//     after its ack; the probe sees it at its next poll);
//   - westeurope's markers written while eastus was down, or within L
//     before: seen in eastus at the heal, so max(L, heal − written);
//   - eastus's markers written within L before the fault: lost, and no
//     other.
func TestProbeOnPlatform(t *testing.T) {
	const lag, interval, poll = 500 * time.Millisecond, 200 * time.Millisecond, 20 * time.Millisecond
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
	// The store accepted each marker at some instant in [Written, Acked]; a
	// marker whose interval straddles a bound of the truth is not judged.
	const edge = 5 * time.Millisecond
	steady, lost, precise := 0, 0, 0
	for _, l := range lags {
		wa, wb := l.Written, l.Acked
		var lo, hi time.Duration // the true lag, from the store's ack
		switch {
		case l.From == "eastus" && wa.After(fault.Add(-lag)) && !wb.After(fault):
			if !l.Lost {
				t.Errorf("eastus marker written %v before the fault was seen in %s after %v: want lost", fault.Sub(wa), l.To, l.Lag.Std())
			}
			lost++
			continue
		case l.Lost:
			if !(l.From == "eastus" && wb.After(fault.Add(-lag)) && !wa.After(fault)) {
				t.Errorf("%s→%s marker written at fault%+v lost: only eastus's last writes before the fault may be", l.From, l.To, wa.Sub(fault))
			}
			continue
		case l.From == "westeurope" && wa.Add(lag).After(fault) && wb.Before(heal):
			lo, hi = max(lag, heal.Sub(wb)), max(lag, heal.Sub(wa)) // due in eastus after it failed: delivered at the heal
		case wb.Add(lag).Before(fault) || wa.After(heal):
			lo, hi = lag, lag
			steady++
		default:
			continue // due within the write's own span of the failure
		}
		got, res := l.Lag.Std(), l.Resolution.Std()
		if hi < got-res-edge || lo > got+edge || res < 0 {
			t.Errorf("%s→%s marker written at fault%+v: lag %v (resolution %v), want it to bracket %v to %v", l.From, l.To, wa.Sub(fault), got, res, lo, hi)
		} else if res <= interval {
			precise++
		}
	}
	if steady < 10 || lost < 1 {
		t.Errorf("%d samples outside the fault, %d lost: want at least 10 and 1", steady, lost)
	}
	t.Logf("%d of %d samples bracket the truth within one probe interval (%v); the others are wider: their region did not answer (down) or the probe was late", precise, len(lags), interval)
}

// TestProbeOnEmulator runs the probe's azcosmos path: markers written and
// polled through a client pinned to each region, held by the real
// companion (slocheck-cloud cosmos). The emulator has one
// region (it ignores preferred regions), so a marker is visible at once:
// every marker is seen at the first ask (its bracket reaches down to 0),
// none lost. The marker
// carries its ttl (the emulator itself never expires documents) and goes to
// the probe's own container, not the orders'.
func TestProbeOnEmulator(t *testing.T) {
	const interval, poll = 100 * time.Millisecond, 10 * time.Millisecond
	em := cosmostest.Start(t)
	em.CreateContainer(t, "shop", "orders", "/id")
	em.CreateContainer(t, "shop", "lag-probe", "/id")
	acc, err := cosmos.Open(cosmos.Config{Endpoint: em.Endpoint, Database: "shop", Container: "orders", ProbeContainer: "lag-probe",
		Key: em.Key, CAFile: em.CAFile, Companion: companionPath(t)}, []string{"eastus", "westeurope"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = acc.Close() })
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
		if l.Lost || l.Lag != l.Resolution {
			t.Errorf("%s→%s: lag %v, resolution %v, lost %v: want seen at the first ask", l.From, l.To, l.Lag.Std(), l.Resolution.Std(), l.Lost)
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
