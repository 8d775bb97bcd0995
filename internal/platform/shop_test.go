package platform

import (
	"net/http/httptest"
	"testing"
)

// The driver's product step asks for products by number (1..CatalogSize);
// the catalog's own ids work too, and nothing past the catalog does.
func TestProductByNumberOrID(t *testing.T) {
	shop, err := NewShop(ShopConfig{Region: "eastus"})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/products/7": 200, "/products/p-007": 200, "/products/1": 200,
		"/products/20": 200, "/products/0": 404, "/products/21": 404, "/products/p-021": 404} {
		w := httptest.NewRecorder()
		shop.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
	}
	w := httptest.NewRecorder()
	shop.ServeHTTP(w, httptest.NewRequest("GET", "/products/7", nil))
	if p := decode[Product](t, w.Body.Bytes()); p.ID != "p-007" {
		t.Errorf("GET /products/7 answered %+v, want p-007", p)
	}
}
