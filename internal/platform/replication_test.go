package platform

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestLostWrites writes orders through the us edge (acknowledged by eastus),
// takes eastus down, and reads every acknowledged order back from
// westeurope: exactly those acknowledged within the replication lag before
// the fault are missing. On heal they reappear (late) or stay lost (lost).
func TestLostWrites(t *testing.T) {
	for _, policy := range []Unreplicated{UnreplicatedLate, UnreplicatedLost} {
		t.Run(string(policy), func(t *testing.T) {
			t.Parallel()
			testLostWrites(t, policy)
		})
	}
}

func testLostWrites(t *testing.T, policy Unreplicated) {
	const lag = 300 * time.Millisecond
	cfg := testConfig(fastProbe)
	cfg.ReplicationLag, cfg.Unreplicated = lag, policy
	p := start(t, cfg)
	// Writes go on past the detection, so westeurope acknowledges some too.
	acked, fault := writeThroughFault(t, p, 40)

	var want, got []string // ids lost: predicted from ack times, and observed
	early, failedOver := 0, 0
	for _, w := range acked {
		if w.Region == "westeurope" {
			failedOver++
		}
		if w.Region == "eastus" && w.Acked.After(fault.Add(-lag)) {
			want = append(want, w.ID)
		} else if w.Region == "eastus" {
			early++
		}
		if ok, err := p.ReadOrder(w.ID, "westeurope"); err != nil {
			t.Fatal(err)
		} else if !ok {
			got = append(got, w.ID)
		}
	}
	if len(want) == 0 || early == 0 || failedOver == 0 {
		t.Fatalf("test too weak: %d writes inside the lag before the fault, %d before it, %d after failover", len(want), early, failedOver)
	}
	if !slices.Equal(got, want) {
		t.Errorf("lost writes %v, want those acknowledged in the %v before the fault: %v", got, lag, want)
	}
	t.Logf("%d acked, %d lost", len(acked), len(got))
	checkStranded(t, p, want, fault, lag)

	healed, err := p.Heal("eastus")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range want {
		for _, region := range []string{"westeurope", "eastus"} {
			ok, err := p.ReadOrder(id, region)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (policy == UnreplicatedLate) {
				t.Errorf("after heal (%s): order %s in %s: found=%v", policy, id, region, ok)
			}
		}
	}
	for _, s := range p.Stranded() {
		if policy == UnreplicatedLate && !s.Recovered.Equal(healed) {
			t.Errorf("stranded %s recovered at %v, want the heal instant %v", s.ID, s.Recovered, healed)
		}
		if policy == UnreplicatedLost && !s.Recovered.IsZero() {
			t.Errorf("stranded %s recovered under the lost policy", s.ID)
		}
	}
}

// checkStranded checks the platform's own ground truth: every write the
// client saw lost is stranded, and every stranded write was acked inside
// the lag before the fault (it may hold writes whose ack never reached the
// client, cut by the outage).
func checkStranded(t *testing.T, p *Platform, lost []string, fault time.Time, lag time.Duration) {
	t.Helper()
	stranded := map[string]bool{}
	for _, s := range p.Stranded() {
		stranded[s.ID] = true
		if !s.Acked.After(fault.Add(-lag)) || s.Acked.After(fault) || !s.Fault.Equal(fault) {
			t.Errorf("stranded %s acked %v, fault %v: want acked in (%v, %v]", s.ID, s.Acked, s.Fault, fault.Add(-lag), fault)
		}
	}
	for _, id := range lost {
		if !stranded[id] {
			t.Errorf("lost write %s is not in Stranded()", id)
		}
	}
}

// writeThroughFault posts a checkout through the us edge every 10 ms, takes
// eastus down once faultAfter writes are acknowledged, and stops once the us
// edge has failed over and westeurope acknowledged a few writes. It returns
// the acknowledged writes in ack order with the fault instant.
func writeThroughFault(t *testing.T, p *Platform, faultAfter int) ([]results.AckedWrite, time.Time) {
	t.Helper()
	edge := p.Describe().Edges["us"]
	var (
		mu              sync.Mutex
		acked           []results.AckedWrite
		fromWesteurope  int
		faulted, enough = make(chan struct{}), make(chan struct{})
		stop            = make(chan struct{})
		wg              sync.WaitGroup
	)
	wg.Go(func() {
		c := newClient(time.Second)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			a := do(c, "POST", edge+"/checkout", `{"items":[{"product_id":"p-001","quantity":1}]}`)
			if a.status != 201 {
				continue
			}
			w := decode[results.AckedWrite](t, a.body)
			if w.Region != a.servedBy {
				t.Errorf("ack from %s served by %s", w.Region, a.servedBy)
			}
			mu.Lock()
			acked = append(acked, w)
			if len(acked) == faultAfter {
				close(faulted)
			}
			if w.Region == "westeurope" {
				if fromWesteurope++; fromWesteurope == 5 {
					close(enough)
				}
			}
			mu.Unlock()
		}
	})
	<-faulted
	fault, err := p.Inject(Fault{Region: "eastus", Mode: ModeDown})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-enough:
	case <-time.After(10 * time.Second):
		t.Errorf("the us edge did not fail over to westeurope within 10 s")
	}
	close(stop)
	wg.Wait()
	slices.SortFunc(acked, func(a, b results.AckedWrite) int { return a.Acked.Compare(b.Acked) })
	return acked, fault
}

func TestReplicationLagAndCut(t *testing.T) {
	cfg := testConfig(fastProbe)
	cfg.ReplicationLag = time.Second
	p := start(t, cfg)
	regions := p.Describe().Regions
	c := newClient(time.Second)
	checkout := func(region string) results.AckedWrite {
		a := do(c, "POST", regions[region]+"/checkout", "")
		if a.status != 201 || a.servedBy != region {
			t.Fatalf("checkout in %s: %d %q %v", region, a.status, a.servedBy, a.err)
		}
		return decode[results.AckedWrite](t, a.body)
	}
	found := func(id, region string) bool {
		ok, err := p.ReadOrder(id, region)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	w := checkout("eastus")
	if !found(w.ID, "eastus") {
		t.Fatalf("order %s not in the region that acknowledged it", w.ID)
	}
	// Replicated exactly when the lag has passed since the ack: a read that
	// ends before then must miss, one that starts after must hit.
	for {
		began := now()
		ok := found(w.ID, "westeurope")
		ended := now()
		due := w.Acked.Add(cfg.ReplicationLag)
		if ended.Before(due) && ok || !began.Before(due) && !ok {
			t.Fatalf("read in [%v, %v] found=%v; the order was due at %v", began, ended, ok, due)
		}
		if ok {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	if _, err := p.Inject(Fault{Region: "eastus", Mode: ModeReplicationCut}); err != nil {
		t.Fatal(err)
	}
	out, in := checkout("eastus"), checkout("westeurope")
	time.Sleep(cfg.ReplicationLag + 100*time.Millisecond)
	if found(out.ID, "westeurope") || found(in.ID, "eastus") {
		t.Fatalf("replication cut: orders crossed regions")
	}
	if _, err := p.Heal("eastus"); err != nil {
		t.Fatal(err)
	}
	if !found(out.ID, "westeurope") || !found(in.ID, "eastus") {
		t.Fatalf("after heal of the cut: want both orders replicated")
	}
	if len(p.Stranded()) != 0 {
		t.Errorf("a replication cut alone strands nothing, got %v", p.Stranded())
	}
}
