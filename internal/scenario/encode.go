package scenario

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// YAML returns the scenario as a scenario file, every default filled in:
// what `slocheck validate --print` shows. Parsing it gives the same scenario.
//
// It builds the YAML nodes itself rather than through yaml.Node.Encode,
// because yaml.v3 (v3.0.1) drops the leading line break of a string that
// starts with one; strings with line breaks are written double-quoted.
func (s *Scenario) YAML() ([]byte, error) {
	out, err := yaml.Marshal(encodeNode(reflect.ValueOf(s).Elem()))
	if err != nil {
		return nil, fmt.Errorf("encode scenario %s: %w", s.Name, err)
	}
	return out, nil
}

// encodeNode returns the YAML node of v, one of this package's types.
func encodeNode(v reflect.Value) *yaml.Node {
	switch {
	case v.Type() == durationType:
		return plain(time.Duration(v.Int()).String())
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return encodeNode(v.Elem())
	case v.Kind() == reflect.Struct:
		return encodeStruct(v)
	case v.Kind() == reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for i := range v.Len() {
			n.Content = append(n.Content, encodeNode(v.Index(i)))
		}
		return n
	case v.Kind() == reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			n.Content = append(n.Content, str(k.String()), encodeNode(v.MapIndex(k)))
		}
		return n
	case v.Kind() == reflect.String:
		return str(v.String())
	case v.Kind() == reflect.Float64:
		return plain(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		return plain(strconv.FormatInt(v.Int(), 10))
	case v.Kind() == reflect.Bool:
		return plain(strconv.FormatBool(v.Bool()))
	}
	panic(fmt.Sprintf("scenario: no encoder for %s", v.Type())) // a programming error in this package's types
}

// encodeStruct returns the mapping of a struct's YAML fields, leaving out
// the omitempty ones that are zero.
func encodeStruct(v reflect.Value) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		if opts == "omitempty" && v.Field(i).IsZero() {
			continue
		}
		n.Content = append(n.Content, str(name), encodeNode(v.Field(i)))
	}
	return n
}

// plain is a number, boolean or duration, written as it is.
func plain(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

// str is a string: yaml.v3 quotes it when it would read back as another
// type; one with a line break is double-quoted.
func str(s string) *yaml.Node {
	n := &yaml.Node{}
	n.SetString(s)
	if strings.ContainsAny(s, "\r\n") {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}
