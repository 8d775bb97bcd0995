package platform

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

// The catalog holds p-001..p-<CatalogSize> (the ids the driver's reference
// product step asks for), and nothing past it.
func TestProductCatalogIDs(t *testing.T) {
	shop, err := NewShop(ShopConfig{Region: "eastus"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"/products/7": 404, "/products/p-000": 404, fmt.Sprintf("/products/p-%03d", CatalogSize+1): 404}
	for n := 1; n <= CatalogSize; n++ {
		want[fmt.Sprintf("/products/p-%03d", n)] = 200
	}
	for path, code := range want {
		w := httptest.NewRecorder()
		shop.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != code {
			t.Errorf("GET %s: %d, want %d", path, w.Code, code)
		}
	}
}
