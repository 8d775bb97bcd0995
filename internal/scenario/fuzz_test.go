package scenario

import (
	"bytes"
	"errors"
	"io/fs"
	"testing"

	"github.com/slocheck/slocheck/scenarios"
)

// FuzzParse checks that Parse never panics, that every problem it reports is
// located in the file it was given, that what it accepts keeps every number
// within its bound, and that it survives a round trip through YAML unchanged.
func FuzzParse(f *testing.F) {
	files, _ := fs.Glob(scenarios.FS, "*.yaml")
	for _, file := range files {
		data, _ := fs.ReadFile(scenarios.FS, file)
		f.Add(data)
	}
	for _, s := range []string{
		"", "name: x", "load: {rate: -1}", "a: &a [*a]", "faults: [{<<: {at: 1s}, for: 2s}]",
		"target: {url: 'http://x', readback_url: 'http://x/o/{id}'}\nfaults: [{at: 1s, for: 9s, injector: exec, exec: {inject: a, heal: b}}]",
		"load: {ramp: [{duration: 1s, rate: 0}], rate: 0}", "objectives: {availability: .inf}",
		"load: {rate: 99999999999999999999999, duration: 100000h}", "load: {ramp: [{duration: 1s, rate: 1e12}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v, want a non-empty Errors", err, err)
			}
			for _, e := range errs {
				if se, ok := e.(*Error); !ok || se.File != "fuzz.yaml" {
					t.Fatalf("problem %#v not located in fuzz.yaml", e)
				}
			}
			return
		}
		if errs := s.Validate(); len(errs) > 0 {
			t.Fatalf("Parse accepted a scenario that Validate rejects: %v", errs)
		}
		checkBounds(t, s)
		_ = s.Warnings()
		out, err := s.YAML()
		if err != nil {
			t.Fatalf("YAML: %v", err)
		}
		s2, err := Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("re-parse of\n%s\nfailed: %v", out, err)
		}
		out2, err := s2.YAML()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the scenario:\n%s\n---\n%s", out, out2)
		}
	})
}
