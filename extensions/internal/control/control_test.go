package control

import (
	"testing"

	"github.com/slocheck/slocheck/internal/chaos"
)

func TestRegionOfSegment(t *testing.T) {
	regions := []string{"ap", "eu", "us"}
	for _, c := range []struct{ segment, want string }{
		{"", "ap"}, {"0:1", "ap"}, {"0:1/3", "ap"}, {"1/3:2/3", "eu"}, {"2/3:1", "us"}, {"1/2:1", "eu"}, {"bad:1", ""},
	} {
		if got := RegionOfSegment(c.segment, regions); got != c.want {
			t.Errorf("RegionOfSegment(%q) = %q, want %q", c.segment, got, c.want)
		}
	}
	if got := RegionOfSegment("0:1", nil); got != "" {
		t.Errorf("no regions: %q", got)
	}
}

func TestConfigFrom(t *testing.T) {
	env := map[string]string{"SLOCHECK_EDGES": `{"us": "http://a/", "eu": "http://b"}`, "SLOCHECK_EDGE_US": "http://c/", "SLOCHECK_TIMEOUT": "1500ms"}
	c, err := ConfigFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if c.Edges["us"] != "http://c" || c.Edges["eu"] != "http://b" || c.Timeout.Milliseconds() != 1500 {
		t.Errorf("config %+v", c)
	}
	if _, err := c.Edge("ap"); err == nil {
		t.Error("an unknown client region has an edge")
	}
	env["SLOCHECK_EDGES"] = "[1]"
	if _, err := ConfigFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
		t.Error("malformed SLOCHECK_EDGES accepted")
	}
}

func TestSpecs(t *testing.T) {
	if _, err := ParseSpec([]byte(`{"region": "eastus", "mdoe": "down"}`)); err == nil {
		t.Error("a misspelt field was accepted")
	}
	f := NewFaults("")
	if _, err := f.chaosSpec(Spec{Region: "eastus", Mode: "down"}); err == nil {
		t.Error("a platform fault without an admin API was accepted")
	}
	s, err := f.chaosSpec(Spec{Name: "origin", Region: "eastus", Hook: &Hook{InjectURL: "http://h/in", HealURL: "http://h/out"}})
	if err != nil || s.Kind != chaos.KindHTTP || s.HTTP.HealURL != "http://h/out" || s.Target != "eastus" {
		t.Errorf("hook spec %+v, %v", s, err)
	}
	s, err = NewFaults("http://admin").chaosSpec(Spec{Region: "eastus", Mode: "errors", Ratio: 0.5})
	if err != nil || s.Kind != chaos.KindPlatform || s.Name != "eastus-errors" || s.Platform.Admin != "http://admin" || s.Platform.Ratio != 0.5 {
		t.Errorf("platform spec %+v, %v", s, err)
	}
}
