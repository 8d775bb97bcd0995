package cosmos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/slocheck/slocheck/internal/cosmos"
	"github.com/slocheck/slocheck/internal/cosmos/cosmostest"
	"github.com/slocheck/slocheck/internal/platform"
)

// openEmulator serves an emulator with database shop and container orders
// and opens an account on it for regions, through the real companion
// (slocheck-cloud cosmos, built for the test).
func openEmulator(t *testing.T, pkPath string, regions ...string) (*cosmostest.Emulator, *cosmos.Account) {
	t.Helper()
	em := cosmostest.Start(t)
	em.CreateContainer(t, "shop", "orders", pkPath)
	acc, err := cosmos.Open(cosmos.Config{Endpoint: em.Endpoint, Database: "shop", Container: "orders",
		PartitionKeyPath: pkPath, Key: em.Key, CAFile: em.CAFile, Companion: companionPath(t)}, regions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := acc.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return em, acc
}

func TestStoreWritesAndReadsOrders(t *testing.T) {
	for _, pkPath := range []string{"/id", "/orderId"} {
		t.Run(pkPath, func(t *testing.T) {
			_, acc := openEmulator(t, pkPath, "eastus")
			st, err := cosmos.NewStore(acc, "eastus")
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			o, err := st.PutOrder(ctx, "eastus", json.RawMessage(`{"items":[{"product_id":"p-001"}]}`))
			if err != nil {
				t.Fatal(err)
			}
			if o.Region != "eastus" || o.ID == "" || o.Acked.IsZero() {
				t.Fatalf("order %+v", o)
			}
			got, found, err := st.GetOrder(ctx, "eastus", o.ID)
			if err != nil || !found || got.ID != o.ID || compact(t, got.Items) != `{"items":[{"product_id":"p-001"}]}` {
				t.Fatalf("read back: %+v found=%v err=%v", got, found, err)
			}
			if _, found, err := st.GetOrder(ctx, "eastus", "no-such-order"); found || err != nil {
				t.Fatalf("absent order: found=%v err=%v, want 404 as not found", found, err)
			}
			if d := st.Check(ctx); d.Status != platform.DependencyOK || d.Name != "cosmosdb" {
				t.Fatalf("check %+v", d)
			}
		})
	}
}

// compact is b without insignificant space (the emulator indents its answers).
func compact(t *testing.T, b []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
