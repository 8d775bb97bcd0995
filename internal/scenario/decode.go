package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// nodeBudget bounds the YAML nodes one file may expand to (aliases
// included), so that a file of nested aliases cannot make decoding explode.
const nodeBudget = 100_000

var (
	durationType = reflect.TypeOf(time.Duration(0))
	syntaxLine   = lazy(`^yaml: line (\d+): (.*)$`)
)

// decoder walks a YAML node tree into a value, strictly: every key must name
// a field, every value must have the field's type. It records where each
// field is set and collects every problem instead of stopping at the first.
type decoder struct {
	src    *source
	errs   []error
	failed map[string]bool // paths with a decoding problem: Validate stays quiet about them
	budget int
}

// decode parses data as one YAML document and decodes it into s, whose
// defaults are already set. It returns the problems, the paths whose values
// had one, and whether the YAML parsed at all.
func decode(data []byte, s *Scenario) (errs []error, failed map[string]bool, parsed bool) {
	d := &decoder{src: &s.src, failed: map[string]bool{}, budget: nodeBudget}
	root, err := parseDocument(data)
	if err != nil {
		return []error{d.syntaxError(err)}, d.failed, false
	}
	d.structure(root, reflect.ValueOf(s).Elem(), "")
	return d.errs, d.failed, true
}

// parseDocument returns the root node of data's only document.
func parseDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("yaml: line %d: want one YAML document, found another", extra.Line)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("want one YAML document")
	}
	return doc.Content[0], nil
}

// syntaxError turns a YAML parser error into an Error with its line.
func (d *decoder) syntaxError(err error) error {
	e := &Error{File: d.src.file, Msg: err.Error()}
	if m := syntaxLine().FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = m[2]
	}
	return e
}

// fail records a problem with the value of the field at path, at node n.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.failed[path] = true
	d.errs = append(d.errs, &Error{
		File: d.src.file, Line: n.Line, Column: n.Column, Path: path,
		Msg: fmt.Sprintf(format, args...),
	})
}

// value decodes n into v. A null leaves v as it is (its default).
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if !d.spend(n, path) {
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		d.value(n.Alias, v, path)
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch {
	case v.Type() == durationType:
		d.duration(n, v, path)
	case v.Kind() == reflect.Struct:
		d.structure(n, v, path)
	case v.Kind() == reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		setDefaults(p)
		d.value(n, p.Elem(), path)
		v.Set(p)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	case v.Kind() == reflect.Map:
		d.dict(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

// spend counts one node against the budget; once it is spent it reports
// the problem (once) and returns false.
func (d *decoder) spend(n *yaml.Node, path string) bool {
	if d.budget--; d.budget >= 0 {
		return true
	}
	if d.budget == -1 {
		d.fail(n, path, "the file expands to more than %d YAML nodes (aliases included)", nodeBudget)
	}
	d.budget = -2
	return false
}

// setDefaults sets the defaults of the value p points to, if its type has any.
func setDefaults(p reflect.Value) {
	if def, ok := p.Interface().(defaulter); ok {
		def.setDefaults()
	}
}

// structure decodes a mapping into the struct v, field by field.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping (field: value), got %s", describe(n))
		return
	}
	names, index := fieldsOf(v.Type())
	for _, p := range d.pairs(n, path) {
		child := childPath(path, p.key.Value)
		i, ok := index[p.key.Value]
		if !ok {
			d.fail(p.key, child, "unknown field%s (want one of %s)", suggest(p.key.Value, names), strings.Join(names, ", "))
			continue
		}
		d.src.pos[child] = location{p.key.Line, p.key.Column}
		d.value(p.val, v.Field(i), child)
	}
}

// fieldsOf returns the YAML names of t's fields in order, and their indexes.
func fieldsOf(t reflect.Type) ([]string, map[string]int) {
	var names []string
	index := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}

// dict decodes a mapping into the map v (a fresh one: the file's entries
// replace the default's).
func (d *decoder) dict(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping (key: value), got %s", describe(n))
		return
	}
	m := reflect.MakeMap(v.Type())
	for _, p := range d.pairs(n, path) {
		child := childPath(path, p.key.Value)
		if p.key.Value == "" {
			d.fail(p.key, path, "empty key")
			continue
		}
		d.src.pos[child] = location{p.key.Line, p.key.Column}
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(p.val, elem, child)
		m.SetMapIndex(reflect.ValueOf(p.key.Value), elem)
	}
	v.Set(m)
}

// sequence decodes a list into the slice v (a fresh one).
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, el := range n.Content {
		child := indexPath(path, i)
		d.src.pos[child] = location{el.Line, el.Column}
		setDefaults(s.Index(i).Addr())
		d.value(el, s.Index(i), child)
	}
	v.Set(s)
}

// pair is one key and value of a mapping.
type pair struct{ key, val *yaml.Node }

// pairs returns n's entries with YAML merge keys (<<: *anchor) resolved:
// merged entries first, each overridden by an explicit key of the same name.
// A key given twice explicitly is an error.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var merged, own []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merged = append(merged, d.mergePairs(v, path)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "want a plain key, got %s", describe(k))
			continue
		}
		if seen[k.Value] {
			d.fail(k, childPath(path, k.Value), "field given twice")
			continue
		}
		seen[k.Value] = true
		own = append(own, pair{k, v})
	}
	out := own
	for _, p := range merged {
		if !seen[p.key.Value] {
			seen[p.key.Value] = true
			out = append(out, p)
		}
	}
	return out
}

// mergePairs returns the entries a merge key brings in: one mapping or a list
// of mappings (earlier ones win).
func (d *decoder) mergePairs(n *yaml.Node, path string) []pair {
	if !d.spend(n, path) {
		return nil
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		return d.pairs(n, path)
	case yaml.SequenceNode:
		var out []pair
		for _, el := range n.Content {
			out = append(out, d.mergePairs(el, path)...)
		}
		return out
	}
	d.fail(n, path, "a merge key (<<) wants a mapping, got %s", describe(n))
	return nil
}

// duration decodes a Go duration string ("20s", "250ms", "1m30s").
func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a duration like \"20s\" or \"250ms\", got %s", describe(n))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.fail(n, path, "want a duration like \"20s\" or \"250ms\", got %q", n.Value)
		return
	}
	v.SetInt(int64(dur))
}

// scalar decodes a string, integer, number or boolean.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	want := map[reflect.Kind]string{
		reflect.String: "a string", reflect.Int: "an integer", reflect.Int64: "an integer",
		reflect.Float64: "a number", reflect.Bool: "true or false",
	}[v.Kind()]
	if want == "" {
		panic(fmt.Sprintf("scenario: no decoder for %s", v.Type())) // a programming error in this package's types
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	if v.Kind() == reflect.String {
		v.SetString(n.Value)
		return
	}
	if (v.Kind() == reflect.Int || v.Kind() == reflect.Int64) && n.ShortTag() != "!!int" {
		d.fail(n, path, "want %s, got %q", want, n.Value) // yaml.v3 would truncate 1.5 to 1
		return
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		d.fail(n, path, "want %s, got %q", want, n.Value)
		return
	}
	if v.Kind() == reflect.Float64 && (math.IsNaN(v.Float()) || math.IsInf(v.Float(), 0)) {
		d.fail(n, path, "want a finite number, got %q", n.Value)
	}
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("%q", n.Value)
}

// suggest returns `, did you mean "x"?` naming the field closest
// to a mistyped one, or "" when none is close.
func suggest(got string, names []string) string {
	best, bestDist := "", 3 // at most two edits away
	for _, name := range names {
		if dist := editDistance(got, name); dist < bestDist {
			best, bestDist = name, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(", did you mean %q?", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// sortedKeys returns the keys of m whose values keep says yes to, sorted.
func sortedKeys[V any](m map[string]V, keep func(V) bool) []string {
	var keys []string
	for k, v := range m {
		if keep == nil || keep(v) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
