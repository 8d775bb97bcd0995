package scenario

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// parseErrs parses src and returns its problems, failing the test when
// there are none.
func parseErrs(t *testing.T, src string) Errors {
	t.Helper()
	s, err := Parse("x.yaml", []byte(src))
	if err == nil {
		t.Fatalf("Parse accepted:\n%s\nas %+v", src, s)
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error %T %v, want Errors", err, err)
	}
	return errs
}

// mustParse parses src, failing the test on any problem.
func mustParse(t *testing.T, src string) *Scenario {
	t.Helper()
	s, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return s
}

func TestUnknownFieldLocated(t *testing.T) {
	src := `name: x
load:
  rate: 100
  rat: 200
`
	errs := parseErrs(t, src)
	if len(errs) != 1 {
		t.Fatalf("got %d problems, want 1:\n%v", len(errs), errs)
	}
	e := errs[0].(*Error)
	if e.File != "x.yaml" || e.Line != 4 || e.Column != 3 || e.Path != "load.rat" {
		t.Errorf("located at %s:%d:%d %s, want x.yaml:4:3 load.rat", e.File, e.Line, e.Column, e.Path)
	}
	msg := e.Error()
	for _, want := range []string{"x.yaml:4:3: load.rat: unknown field", `did you mean "rate"?`, "want one of rate, ramp, duration"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestUnknownFieldInList(t *testing.T) {
	src := `faults:
  - at: 10s
    for: 10s
    region: eastus
    colour: red
`
	e := parseErrs(t, src)[0].(*Error)
	if got := e.Error(); !strings.HasPrefix(got, "x.yaml:5:5: faults[0].colour: unknown field (want one of name, at, for,") {
		t.Errorf("got %q", got)
	}
}

func TestTypeErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"load: {rate: fast}", `x.yaml:1:14: load.rate: want a number, got "fast"`},
		{"load: {duration: 60}", `x.yaml:1:18: load.duration: want a duration like "20s" or "250ms", got "60"`},
		{"load: {max_workers: 1.5}", `load.max_workers: want an integer, got "1.5"`},
		{"load: {rate: .nan}", `load.rate: want a finite number, got ".nan"`},
		{"load: [1, 2]", "x.yaml:1:7: load: want a mapping (field: value), got a list"},
		{"load: {journeys: {a: b}}", "load.journeys: want a list, got a mapping"},
		{"name: [a]", "name: want a string, got a list"},
		{"objectives: {inconclusive_fails: maybe}", `objectives.inconclusive_fails: want true or false, got "maybe"`},
		{"target: {edges: [a]}", "target.edges: want a mapping (key: value), got a list"},
		{"name: a\nname: b", "x.yaml:2:1: name: field given twice"},
		{"name: a\n  b: c: d", "x.yaml:2: mapping values are not allowed in this context"},
		{"", "x.yaml: the file is empty"},
		{"name: a\n---\nname: b", "x.yaml:2: want one YAML document, found another"},
		{"- a\n- b", "x.yaml:1:1: want a mapping (field: value), got a list"},
	}
	for _, c := range cases {
		errs := parseErrs(t, c.src)
		if got := errs.Error(); !strings.Contains(got, c.want) {
			t.Errorf("Parse(%q):\n%s\nwant %q", c.src, got, c.want)
		}
	}
}

// TestTypeErrorNotRepeated checks that a value that failed to decode is not
// reported again by validation (a bad rate is one problem, not two).
func TestTypeErrorNotRepeated(t *testing.T) {
	errs := parseErrs(t, "load: {rate: -x}")
	if len(errs) != 1 {
		t.Errorf("got %d problems, want 1:\n%v", len(errs), errs)
	}
}

func TestNullKeepsDefault(t *testing.T) {
	s := mustParse(t, "name: x\nload:\n  rate:\n  duration: 30s\ntarget:\n")
	if s.Load.Rate != 1500 || s.Load.Duration != 30*time.Second || s.Target != nil {
		t.Errorf("rate %g duration %s target %v, want the default rate, 30s, no target", s.Load.Rate, s.Load.Duration, s.Target)
	}
}

// TestFileReplacesDefaultMaps checks that a map or list in the file replaces
// the default one instead of merging into it.
func TestFileReplacesDefaultMaps(t *testing.T) {
	s := mustParse(t, `
platform:
  regions: [a, b, c]
  client_regions: {x: c}
load:
  client_regions: {x: 1}
`)
	if len(s.Platform.ClientRegions) != 1 || s.Platform.ClientRegions["x"] != "c" || len(s.Load.ClientRegions) != 1 {
		t.Errorf("client regions = %v / %v, want only x", s.Platform.ClientRegions, s.Load.ClientRegions)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	s := mustParse(t, `
load:
  duration: 90s
faults:
  - &base {name: first, at: 10s, for: 10s, region: eastus, mode: errors, ratio: 0.5}
  - <<: *base
    name: second
    at: 40s
`)
	if len(s.Faults) != 2 {
		t.Fatalf("%d faults", len(s.Faults))
	}
	f := s.Faults[1]
	if f.Name != "second" || f.At != 40*time.Second || f.For != 10*time.Second || f.Mode != ModeErrors || f.Ratio != 0.5 {
		t.Errorf("merged fault = %+v", f)
	}
}

// TestAliasBomb checks that nested aliases and merge keys cannot make
// decoding explode: each level merges the previous one ten times, so the
// last would expand to 10^8 entries.
func TestAliasBomb(t *testing.T) {
	src := "a0: &a0 {name: x}\n"
	for i := 1; i <= 8; i++ {
		prev := fmt.Sprintf("*a%d", i-1)
		src += fmt.Sprintf("a%d: &a%d {<<: [%s]}\n", i, i, strings.Repeat(prev+", ", 9)+prev)
	}
	src += "load: {journeys: [*a8, *a8]}\n"
	errs := parseErrs(t, src)
	if !strings.Contains(errs.Error(), "more than 100000 YAML nodes") {
		t.Errorf("got:\n%.2000s", errs.Error())
	}
}

func TestSelfReferentialAlias(t *testing.T) {
	errs := parseErrs(t, "load: &x {journeys: [{steps: [browse]}], ramp: *x}\n")
	if len(errs) == 0 {
		t.Fatal("no problem reported")
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{{"", "", 0}, {"rate", "rate", 0}, {"rat", "rate", 1}, {"duraton", "duration", 1}, {"kitten", "sitting", 3}, {"", "abc", 3}}
	for _, c := range cases {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
