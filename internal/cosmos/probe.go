package cosmos

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/slocheck/slocheck/results"
)

// ProbeConfig configures the replication-lag probe.
type ProbeConfig struct {
	Interval time.Duration // each region writes a marker this often
	Poll     time.Duration // each other region is asked this often until it sees the marker
	TTL      time.Duration // the markers' time to live
	RunID    string        // keeps one run's markers apart from another's
	// Settle is how long the probe keeps asking after it stopped writing,
	// so the last markers have time to replicate (default 2 s); a marker
	// still unseen then is lost.
	Settle time.Duration
	// OnPanic takes a panic of a probe goroutine (the run's guard); nil
	// lets it end the process.
	OnPanic func(any)
}

// maxPolled bounds the markers one region pair asks about per poll, the
// oldest first, so that a long outage does not turn the probe into a load.
const maxPolled = 16

// defaultSettle is ProbeConfig.Settle's default.
const defaultSettle = 2 * time.Second

// Probe measures replication lag: every Interval it writes a marker in each
// region and asks every other region every Poll whether it sees it yet. Each
// marker seen gives one results.Lag per region pair; a marker not seen by
// the time the probe stops is Lost.
type Probe struct {
	replicas map[string]Replica
	regions  []string
	cfg      ProbeConfig
	record   func(results.Lag)

	mu      sync.Mutex
	pending map[[2]string][]marker // (from, to) → markers not seen yet, oldest first
	failed  map[string]int         // region → marker writes that failed
}

type marker struct {
	id      string
	written time.Time // when its write began
	acked   time.Time // when its write returned
	asked   time.Time // when the last ask that did not see it began; zero before the first
}

// NewProbe returns a probe over replicas (region → replica) that hands
// each sample to record.
func NewProbe(replicas map[string]Replica, cfg ProbeConfig, record func(results.Lag)) *Probe {
	p := &Probe{replicas: replicas, cfg: cfg, record: record, pending: map[[2]string][]marker{}, failed: map[string]int{}}
	for r := range replicas {
		p.regions = append(p.regions, r)
	}
	slices.Sort(p.regions)
	return p
}

// Run probes until ctx is done; then it stops writing, keeps asking for up
// to Settle while markers are unseen, records those still unseen lost and
// returns.
func (p *Probe) Run(ctx context.Context) {
	settle := p.cfg.Settle
	if settle <= 0 {
		settle = defaultSettle
	}
	polling, stopPolling := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPolling()
	var writers, pollers sync.WaitGroup
	for _, from := range p.regions {
		writers.Go(func() { p.writer(ctx, from) })
		for _, to := range p.regions {
			if to != from {
				pollers.Go(func() { p.poller(polling, from, to) })
			}
		}
	}
	writers.Wait()
	deadline := time.Now().Add(settle)
	for p.unseen() > 0 && time.Now().Before(deadline) {
		time.Sleep(p.cfg.Poll)
	}
	stopPolling()
	pollers.Wait()
	for _, from := range p.regions {
		for _, to := range p.regions {
			if to != from {
				p.lose(from, to)
			}
		}
	}
}

// unseen is the number of markers some region has not seen yet.
func (p *Probe) unseen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, ms := range p.pending {
		n += len(ms)
	}
	return n
}

// FailedWrites returns how many marker writes failed, by region.
func (p *Probe) FailedWrites() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for r, n := range p.failed {
		out[r] = n
	}
	return out
}

func (p *Probe) recover() {
	if p.cfg.OnPanic == nil {
		return
	}
	if v := recover(); v != nil {
		p.cfg.OnPanic(v)
	}
}

// writer writes from's markers every Interval.
func (p *Probe) writer(ctx context.Context, from string) {
	defer p.recover()
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for seq := 1; ; seq++ {
		id := fmt.Sprintf("lag-%s-%s-%d", p.cfg.RunID, from, seq)
		written := time.Now()
		err := p.replicas[from].WriteMarker(ctx, id, p.cfg.TTL)
		acked := time.Now()
		p.mu.Lock()
		if err != nil {
			p.failed[from]++
		} else {
			for _, to := range p.regions {
				if to != from {
					k := [2]string{from, to}
					p.pending[k] = append(p.pending[k], marker{id: id, written: written, acked: acked})
				}
			}
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poller asks to about from's markers every Poll.
func (p *Probe) poller(ctx context.Context, from, to string) {
	defer p.recover()
	t := time.NewTicker(p.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.check(ctx, from, to, maxPolled)
		}
	}
}

// check asks to about at most limit (all when negative) of from's oldest
// markers not seen yet, and records those it sees. The region accepted the
// marker somewhere between its write's start and return, and it became
// visible in to before the ask that saw it returned, but after the ask
// before began (which did not see it). So the true lag is at most the lag
// recorded (from the write's start to that ask's return) and at least
// (last ask answered "not there"'s start − write's return): that width is
// the sample's resolution, about one poll when the probe keeps pace, wider
// when the machine made it late or the region did not answer.
func (p *Probe) check(ctx context.Context, from, to string, limit int) {
	k := [2]string{from, to}
	p.mu.Lock()
	ms := slices.Clone(p.pending[k])
	p.mu.Unlock()
	if limit >= 0 && len(ms) > limit {
		ms = ms[:limit]
	}
	seen, asked := map[string]bool{}, map[string]time.Time{}
	for _, m := range ms {
		began := time.Now()
		ok, err := p.replicas[to].HasMarker(ctx, m.id)
		switch {
		case err != nil:
			continue // the region does not answer: that says nothing of the marker; asked again next poll
		case !ok:
			asked[m.id] = began // not visible yet when this ask began
			continue
		}
		seen[m.id] = true
		lag := time.Since(m.written)
		low := max(m.asked.Sub(m.acked), 0) // 0 when it was seen at the first ask
		p.record(results.Lag{Written: m.written, Acked: m.acked, From: from, To: to, Lag: results.Duration(lag), Resolution: results.Duration(lag - low)})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending[k] = slices.DeleteFunc(p.pending[k], func(m marker) bool { return seen[m.id] })
	for i, m := range p.pending[k] {
		if t, ok := asked[m.id]; ok {
			p.pending[k][i].asked = t
		}
	}
}

// lose records from's markers that to never saw.
func (p *Probe) lose(from, to string) {
	k := [2]string{from, to}
	p.mu.Lock()
	ms := p.pending[k]
	delete(p.pending, k)
	p.mu.Unlock()
	for _, m := range ms {
		p.record(results.Lag{Written: m.written, Acked: m.acked, From: from, To: to, Lost: true})
	}
}
