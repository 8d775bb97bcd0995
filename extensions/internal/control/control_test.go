package control

import (
	"testing"
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
	if _, _, err := f.injector(Spec{Region: "eastus", Mode: "down"}); err == nil {
		t.Error("a platform fault without an admin API was accepted")
	}
	s, inj, err := f.injector(Spec{Region: "eastus", Hook: &Hook{InjectURL: "http://h/in", HealURL: "http://h/out"}})
	if h, ok := inj.(*hookFault); err != nil || !ok || h.h.HealURL != "http://h/out" || s.Name != "hook" {
		t.Errorf("hook spec %+v, %v", s, err)
	}
	if _, _, err := f.injector(Spec{Hook: &Hook{InjectURL: "h/in", HealURL: "http://h/out"}}); err == nil {
		t.Error("a relative hook URL was accepted")
	}
	s, inj, err = NewFaults("http://admin").injector(Spec{Region: "eastus", Mode: "errors", Ratio: 0.5})
	if p, ok := inj.(*platformFault); err != nil || !ok || s.Name != "eastus-errors" || p.fault.Ratio != 0.5 || p.client.Endpoint("/x") != "http://admin/x" {
		t.Errorf("platform spec %+v, %v", s, err)
	}
	if _, _, err := NewFaults("http://admin").injector(Spec{Region: "eastus", Mode: "sideways"}); err == nil {
		t.Error("an unknown mode was accepted")
	}
}
