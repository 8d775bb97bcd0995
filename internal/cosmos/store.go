package cosmos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slocheck/slocheck/internal/platform"
)

// Store keeps one region's orders in Cosmos DB: the shop's store behind
// --cosmos-endpoint. Writes go through the region's own client (its region
// first in preferred regions); an order is acknowledged only after Cosmos DB
// accepted it.
type Store struct {
	acc     *Account
	region  string
	timeout time.Duration
	idBase  string // unique per process: several pods write one container
	seq     atomic.Uint64

	mu      sync.Mutex
	checked time.Time
	last    platform.Dependency
}

var _ platform.OrderStore = (*Store)(nil)

// StoreTimeout bounds each request of the shop's store.
const StoreTimeout = 5 * time.Second

// checkEvery is how long a /health check's answer is reused: the front
// door probes every region every few seconds from many points of presence.
const checkEvery = time.Second

// NewStore returns region's store; acc must have a client for region.
func NewStore(acc *Account, region string) (*Store, error) {
	if err := acc.hasRegion(region); err != nil {
		return nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Store{acc: acc, region: region, timeout: StoreTimeout, idBase: hex.EncodeToString(b)}, nil
}

// orderDoc is an order as the container holds it.
type orderDoc struct {
	platform.Order
	Kind string `json:"kind"` // "order"
}

// document is v as a JSON object with the partition key field set to id.
func (a *Account) document(id string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || a.cfg.pkField() == "id" {
		return b, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m[a.cfg.pkField()] = id
	return json.Marshal(m)
}

// PutOrder writes a new order and returns it once Cosmos DB accepted it;
// its ack time is the acceptance.
func (s *Store) PutOrder(ctx context.Context, region string, items json.RawMessage) (platform.Order, error) {
	o := platform.Order{ID: fmt.Sprintf("%s-%s-%d", region, s.idBase, s.seq.Add(1)), Region: region,
		Acked: time.Now().Round(0), Items: items}
	doc, err := s.acc.document(o.ID, orderDoc{Order: o, Kind: "order"})
	if err != nil {
		return platform.Order{}, fmt.Errorf("write order: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.acc.createItem(ctx, region, o.ID, doc, false, s.timeout); err != nil {
		return platform.Order{}, fmt.Errorf("write order to cosmos db: %w", err)
	}
	o.Acked = time.Now().Round(0)
	return o, nil
}

// GetOrder reads order id from region's client.
func (s *Store) GetOrder(ctx context.Context, region, id string) (platform.Order, bool, error) {
	b, found, err := s.acc.readItem(ctx, region, id, false, s.timeout)
	if err != nil || !found {
		return platform.Order{}, false, err
	}
	var d orderDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return platform.Order{}, false, fmt.Errorf("read order %s: %w", id, err)
	}
	return d.Order, true, nil
}

// Check reads the container's properties through the region's client (at
// most once a second; between, the last answer).
func (s *Store) Check(ctx context.Context) platform.Dependency {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checked.IsZero() && time.Since(s.checked) < checkEvery {
		return s.last
	}
	ctx, cancel := context.WithTimeout(ctx, min(s.timeout, 2*time.Second))
	err := s.acc.check(ctx, s.region, min(s.timeout, 2*time.Second))
	cancel()
	s.last = platform.Dependency{Name: "cosmosdb", Status: platform.DependencyOK}
	if err != nil {
		s.last.Status, s.last.Error = platform.DependencyDown, err.Error()
	}
	s.checked = time.Now()
	return s.last
}
