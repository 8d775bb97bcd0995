package platform

import (
	"context"
	"fmt"
	"time"
)

// Replica is one region's store as the replication-lag probe sees it
// (internal/cosmos's Probe; a Cosmos DB client per region is the other
// kind): a marker written in one region reaches the others by the store's
// own replication, at its configured lag, and not while a fault stops it.
// Markers are kept apart from orders: they count in no order figure and are
// never stranded writes. TTL is not modelled (a run's markers are few).
type Replica struct {
	s      *store
	region string
}

// Replica returns region's store for the lag probe.
func (p *Platform) Replica(region string) (Replica, error) {
	if _, ok := p.store.replicas[region]; !ok {
		return Replica{}, fmt.Errorf("replica: no region %q", region)
	}
	return Replica{s: p.store, region: region}, nil
}

// WriteMarker writes marker id in the region; it replicates like an order.
func (r Replica) WriteMarker(_ context.Context, id string, _ time.Duration) error {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := s.replicas[r.region]
	if rep.failed {
		return fmt.Errorf("write marker: %w: %s", ErrUnavailable, r.region)
	}
	rep.markers[id] = true
	o := Order{ID: id, Region: r.region, Acked: now(), marker: true}
	for _, l := range s.links {
		if l.src == r.region {
			l.queue = append(l.queue, o)
		}
	}
	return nil
}

// HasMarker reports whether marker id has reached the region.
func (r Replica) HasMarker(_ context.Context, id string) (bool, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now())
	rep := s.replicas[r.region]
	if rep.failed {
		return false, fmt.Errorf("read marker: %w: %s", ErrUnavailable, r.region)
	}
	return rep.markers[id], nil
}
