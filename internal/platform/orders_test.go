package platform

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// downStore is an OrderStore whose database does not answer.
type downStore struct{}

var errDown = errors.New("dial tcp: connection refused")

func (downStore) PutOrder(context.Context, string, json.RawMessage) (Order, error) {
	return Order{}, errDown
}
func (downStore) GetOrder(context.Context, string, string) (Order, bool, error) {
	return Order{}, false, errDown
}
func (downStore) Check(context.Context) Dependency {
	return Dependency{Name: "cosmosdb", Status: DependencyDown, Error: errDown.Error()}
}

// A shop whose store is down acknowledges nothing (503 on checkout), says
// so on /health (503, the dependency named, so probes take the region out)
// and stays alive on /livez.
func TestShopStoreDown(t *testing.T) {
	shop, err := NewShop(ShopConfig{Region: "eastus", Orders: downStore{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		code         int
		says         string
	}{
		{"POST", "/checkout", http.StatusServiceUnavailable, "connection refused"},
		{"GET", "/orders/x", http.StatusServiceUnavailable, "connection refused"},
		{"GET", "/health", http.StatusServiceUnavailable, `"dependencies":[{"name":"cosmosdb","status":"down","error":"dial tcp: connection refused"}]`},
		{"GET", "/livez", http.StatusOK, `"status":"ok"`},
	} {
		w := httptest.NewRecorder()
		shop.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.says) {
			t.Errorf("%s %s: %d %s; want %d saying %s", tc.method, tc.path, w.Code, w.Body, tc.code, tc.says)
		}
	}
}
