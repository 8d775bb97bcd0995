package platform

import (
	"context"
	"encoding/json"
)

// OrderStore is where a shop keeps its orders: the platform's replicated
// in-memory store (the default) or a database (internal/cosmos's Cosmos DB
// store). A write returns only after the store accepted it: the shop
// acknowledges nothing the store has not.
type OrderStore interface {
	// PutOrder writes a new order that region acknowledges.
	PutOrder(ctx context.Context, region string, items json.RawMessage) (Order, error)
	// GetOrder reads order id as region sees it.
	GetOrder(ctx context.Context, region, id string) (Order, bool, error)
	// Check reports the store as a dependency of the shop's /health.
	Check(ctx context.Context) Dependency
}

// Dependency is one dependency of a shop as GET /health reports it.
type Dependency struct {
	Name   string `json:"name"`   // "memory", "cosmosdb"
	Status string `json:"status"` // DependencyOK or DependencyDown
	Error  string `json:"error,omitempty"`
}

// Dependency statuses.
const (
	DependencyOK   = "ok"
	DependencyDown = "down"
)

var _ OrderStore = (*store)(nil)

// PutOrder is put: the in-memory store accepts at once.
func (s *store) PutOrder(_ context.Context, region string, items json.RawMessage) (Order, error) {
	return s.put(region, items)
}

// GetOrder is get.
func (s *store) GetOrder(_ context.Context, region, id string) (Order, bool, error) {
	return s.get(region, id)
}

// Check reports the in-memory store, which is always there.
func (s *store) Check(context.Context) Dependency {
	return Dependency{Name: "memory", Status: DependencyOK}
}
