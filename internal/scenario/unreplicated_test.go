package scenario

import (
	"strings"
	"testing"
)

// TestUnreplicatedPolicy checks platform.unreplicated: late by default, late
// or lost accepted, anything else refused with the choices.
func TestUnreplicatedPolicy(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if s.Platform.Unreplicated != UnreplicatedLate {
		t.Errorf("default unreplicated = %q, want %q", s.Platform.Unreplicated, UnreplicatedLate)
	}
	if s, err := Parse("x.yaml", []byte("name: x\nplatform:\n  unreplicated: lost\n")); err != nil || s.Platform.Unreplicated != UnreplicatedLost {
		t.Errorf("unreplicated: lost: %v", err)
	}
	errs := parseErrs(t, "name: x\nplatform:\n  unreplicated: gone\n")
	want := `x.yaml:3:3: platform.unreplicated: unknown policy "gone" (want one of late, lost)`
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), want) {
		t.Errorf("got %v, want %s", errs, want)
	}
	lost, err := Builtin("region-lost-writes")
	if err != nil {
		t.Fatal(err)
	}
	if lost.Platform.Unreplicated != UnreplicatedLost {
		t.Errorf("region-lost-writes: unreplicated = %q, want lost", lost.Platform.Unreplicated)
	}
}
