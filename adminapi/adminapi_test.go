package adminapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/adminapi"
	"github.com/slocheck/slocheck/internal/platform"
)

// TestAgainstTheEmbeddedPlatform drives the real platform's admin API: the
// fault's instant is the platform's own (as GET /events records it), state
// shows it, a heal removes it, and the API's errors come back with its
// message.
func TestAgainstTheEmbeddedPlatform(t *testing.T) {
	p, err := platform.Start(context.Background(), platform.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := adminapi.NewClient(p.Describe().Admin, "", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f, err := c.Inject(ctx, adminapi.Fault{Region: "eastus", Mode: "errors", Ratio: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	var truth time.Time
	for _, e := range p.Events() {
		if e.Kind == "fault-injected" {
			truth = e.Time
		}
	}
	if !f.Injected.Equal(truth) || f.Mode != "errors" {
		t.Errorf("injected %v (%s), the platform's event %v", f.Injected, f.Mode, truth)
	}
	st, _, err := c.State(ctx)
	if err != nil || len(st.Faults) != 1 || st.Faults[0].Region != "eastus" {
		t.Fatalf("state %+v, %v", st.Faults, err)
	}
	if err := c.Heal(ctx, "eastus"); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := c.State(ctx); len(st.Faults) != 0 {
		t.Errorf("after the heal: %+v", st.Faults)
	}
	if _, err := c.Inject(ctx, adminapi.Fault{Region: "mars", Mode: "down"}); err == nil || !strings.Contains(err.Error(), "mars") {
		t.Errorf("a fault in an unknown region: %v", err)
	}
	for _, bad := range []adminapi.Fault{{Mode: "down"}, {Region: "eastus", Mode: "sideways"}, {Region: "eastus", Mode: "slow"}, {Region: "eastus", Mode: "down", Ratio: 2}} {
		if _, err := c.Inject(ctx, bad); err == nil {
			t.Errorf("%+v was sent", bad)
		}
	}
	if _, err := adminapi.NewClient("localhost:1", "", 0); err == nil {
		t.Error("a relative admin URL was accepted")
	}
}
