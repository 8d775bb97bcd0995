package platform

import (
	"errors"
	"math"
	"testing"
)

// TestServiceScale: ServiceScale multiplies every service time drawn, the
// slowest ones included: with one seed each draw is the unscaled one × 1.2.
func TestServiceScale(t *testing.T) {
	base, slow := DefaultConfig(), DefaultConfig()
	slow.ServiceScale = 1.2
	a := newSampler(7, "eastus", base.service())
	b := newSampler(7, "eastus", slow.service())
	var top float64
	for range 10_000 {
		x, y := a.draw(EndpointCheckout), b.draw(EndpointCheckout)
		if r := float64(y) / float64(x); math.Abs(r-1.2) > 1e-6 {
			t.Fatalf("draw %v scaled to %v: ratio %v, want 1.2", x, y, r)
		}
		top = max(top, float64(x))
	}
	if med := float64(DefaultService()[EndpointCheckout].Median); top < 2.5*med {
		t.Errorf("largest of 10,000 draws %v: the tail was not sampled", top)
	}
	if slow.Service[EndpointCheckout] != DefaultService()[EndpointCheckout] {
		t.Error("scaling changed the config's service times")
	}
	for _, bad := range []float64{-0.5, MaxServiceScale + 1, math.NaN()} {
		c := DefaultConfig()
		c.ServiceScale = bad
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("service scale %v: %v, want ErrConfig", bad, err)
		}
	}
}
