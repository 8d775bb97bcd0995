package cosmos

import (
	"context"
	"fmt"
	"time"
)

// Replica is one region's copy of the data as the replication-lag probe
// sees it. Account.Replica (a client pinned to the region) and the embedded
// platform's stores (platform.Replica) implement it.
type Replica interface {
	// WriteMarker writes marker document id in the region; ttl bounds its
	// life.
	WriteMarker(ctx context.Context, id string, ttl time.Duration) error
	// HasMarker reports whether marker id is visible in the region.
	HasMarker(ctx context.Context, id string) (bool, error)
}

// regionReplica is a Replica through region's pinned client.
type regionReplica struct {
	acc     *Account
	region  string
	timeout time.Duration
}

var _ Replica = regionReplica{}

// Replica returns region's Replica; requests time out after timeout.
func (a *Account) Replica(region string, timeout time.Duration) (Replica, error) {
	if err := a.hasRegion(region); err != nil {
		return nil, err
	}
	return regionReplica{acc: a, region: region, timeout: timeout}, nil
}

// markerDoc is a probe marker as the container holds it; Cosmos DB deletes
// it ttl seconds after its last write.
type markerDoc struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"` // "lag-marker"
	Region  string    `json:"region"`
	Written time.Time `json:"written"`
	TTL     int32     `json:"ttl"`
}

func (r regionReplica) WriteMarker(ctx context.Context, id string, ttl time.Duration) error {
	doc, err := r.acc.document(id, markerDoc{ID: id, Kind: "lag-marker", Region: r.region, Written: time.Now(), TTL: int32(max(ttl/time.Second, 1))})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.acc.createItem(ctx, r.region, id, doc, true, r.timeout); err != nil {
		return fmt.Errorf("cosmos db: write marker in %s: %w", r.region, err)
	}
	return nil
}

func (r regionReplica) HasMarker(ctx context.Context, id string) (bool, error) {
	_, found, err := r.acc.readItem(ctx, r.region, id, true, r.timeout)
	return found, err
}
