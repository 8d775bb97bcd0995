package driver

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slocheck/slocheck/results"
)

// Templates: a step's URL, header values and body may hold {{name}}
// placeholders. A template is compiled once, when the run starts, into
// literal and variable segments; rendering appends them to a buffer the
// caller reuses, so a request is rendered without allocating.

// The builtin placeholder names.
const (
	VarJourney      = "journey"       // the arrival's number in the run (0, 1, …)
	VarClientRegion = "client_region" // the client region sending the request
	VarRandomID     = "random_id"     // 16 hex digits drawn from the run's seed, one per request
	VarProduct      = "product"       // a reference-shop product id, p-001 … p-<Products>
	DataPrefix      = "data."         // data.<column>: the journey's data row
)

// Builtins lists the builtin placeholder names.
var Builtins = []string{VarJourney, VarClientRegion, VarRandomID, VarProduct}

// segKind is what one segment of a compiled template renders.
type segKind uint8

const (
	segLit     segKind = iota // literal bytes
	segData                   // a column of the journey's data row
	segVar                    // a value extracted earlier in the journey
	segJourney                // the arrival's number
	segRegion                 // the client region's name
	segRandom                 // a seeded random id
	segProduct                // a product id
	segSecret                 // a secret header's value now (a bearer token)
)

type seg struct {
	kind segKind
	lit  []byte
	idx  int           // data column or variable slot
	fn   func() string // segSecret: the value to send now
}

// tmpl is a compiled template.
type tmpl struct{ segs []seg }

// dynamic reports whether t renders differently per journey (anything but
// literals, the client region and the product, which the event loops
// serialise once per region and product).
func (t *tmpl) dynamic() bool {
	for _, s := range t.segs {
		if s.kind != segLit && s.kind != segRegion && s.kind != segProduct {
			return true
		}
	}
	return false
}

// uses reports whether t has a segment of kind k.
func (t *tmpl) uses(k segKind) bool {
	for _, s := range t.segs {
		if s.kind == k {
			return true
		}
	}
	return false
}

// Placeholders returns the names of s's {{name}} placeholders in order, or
// the first syntax error: an unclosed "{{", an empty name, or a name with
// characters other than letters, digits, '_', '-' and '.'. Spaces around a
// name are allowed ({{ name }}).
func Placeholders(s string) ([]string, error) {
	var names []string
	for i := 0; ; {
		open := strings.Index(s[i:], "{{")
		if open < 0 {
			return names, nil
		}
		open += i
		end := strings.Index(s[open+2:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("unclosed {{ at byte %d", open+1)
		}
		name := strings.TrimSpace(s[open+2 : open+2+end])
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("placeholder {{%s}} at byte %d: %w", s[open+2:open+2+end], open+1, err)
		}
		names = append(names, name)
		i = open + 2 + end + 2
	}
}

func checkName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return fmt.Errorf("%q is not allowed in a name (letters, digits, '_', '-', '.')", c)
		}
	}
	return nil
}

// names resolves placeholder names to segments: data columns and extracted
// variables by index.
type names struct {
	columns map[string]int
	vars    map[string]int
}

// compile compiles s. Every placeholder must name a builtin, a data column
// or an extracted variable.
func (n *names) compile(s string) (tmpl, error) {
	if _, err := Placeholders(s); err != nil {
		return tmpl{}, err
	}
	var t tmpl
	lit := func(b string) {
		if b != "" {
			t.segs = append(t.segs, seg{kind: segLit, lit: []byte(b)})
		}
	}
	for {
		open := strings.Index(s, "{{")
		if open < 0 {
			lit(s)
			return t, nil
		}
		lit(s[:open])
		end := open + 2 + strings.Index(s[open+2:], "}}")
		sg, err := n.resolve(strings.TrimSpace(s[open+2 : end]))
		if err != nil {
			return tmpl{}, err
		}
		t.segs = append(t.segs, sg)
		s = s[end+2:]
	}
}

func (n *names) resolve(name string) (seg, error) {
	switch name {
	case VarJourney:
		return seg{kind: segJourney}, nil
	case VarClientRegion:
		return seg{kind: segRegion}, nil
	case VarRandomID:
		return seg{kind: segRandom}, nil
	case VarProduct:
		return seg{kind: segProduct}, nil
	}
	if col, ok := strings.CutPrefix(name, DataPrefix); ok {
		if i, ok := n.columns[col]; ok {
			return seg{kind: segData, idx: i}, nil
		}
		return seg{}, fmt.Errorf("{{%s}}: the data has no column %q", name, col)
	}
	if i, ok := n.vars[name]; ok {
		return seg{kind: segVar, idx: i}, nil
	}
	return seg{}, fmt.Errorf("{{%s}} names nothing: not a builtin (%s), data.<column> or a value a step extracts",
		name, strings.Join(Builtins, ", "))
}

// escaping says how a value is written into its part of a request.
type escaping uint8

const (
	escRaw    escaping = iota // bodies: as it is
	escURL                    // URLs: percent-escaped but for unreserved characters
	escHeader                 // header values: as it is, but a CR, LF or NUL is an error
)

// render appends t rendered for st (region rg) to dst. A value the journey
// does not have yet is results.ErrMissing; one that has no place in a
// header is results.ErrTemplate.
func (t *tmpl) render(dst []byte, st *jstate, rg *region, esc escaping) ([]byte, results.ErrorKind) {
	for i := range t.segs {
		sg := &t.segs[i]
		var v string
		switch sg.kind {
		case segLit:
			dst = append(dst, sg.lit...)
			continue
		case segJourney:
			dst = strconv.AppendUint(dst, st.a.n, 10)
			continue
		case segRandom:
			dst = appendHex(dst, productIndex(st.a.rnd^0x5bd1e995, st.step+1000))
			continue
		case segProduct:
			dst = appendProduct(dst, st.product(rg))
			continue
		case segRegion:
			v = rg.name
		case segData:
			v = st.row[sg.idx]
		case segSecret:
			v = sg.fn()
		case segVar:
			if !st.set[sg.idx] {
				return dst, results.ErrMissing
			}
			v = st.vals[sg.idx]
		}
		var ok bool
		if dst, ok = appendValue(dst, v, esc); !ok {
			return dst, results.ErrTemplate
		}
	}
	return dst, results.ErrNone
}

// appendValue appends v escaped by esc; false when v has no place there.
func appendValue(dst []byte, v string, esc escaping) ([]byte, bool) {
	switch esc {
	case escURL:
		for i := 0; i < len(v); i++ {
			c := v[i]
			if unreserved(c) {
				dst = append(dst, c)
			} else {
				dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
			}
		}
	case escHeader:
		if strings.ContainsAny(v, "\r\n\x00") {
			return dst, false
		}
		dst = append(dst, v...)
	default:
		dst = append(dst, v...)
	}
	return dst, true
}

// unreserved is RFC 3986's unreserved set.
func unreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

const hexDigits = "0123456789ABCDEF"

// appendHex appends x as 16 lower-case hex digits.
func appendHex(dst []byte, x uint64) []byte {
	const lower = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, lower[(x>>uint(shift))&15])
	}
	return dst
}

// appendProduct appends product id p (1-based) as the reference shop
// writes it: p-001 … p-999, then p-1000 ….
func appendProduct(dst []byte, p int) []byte {
	dst = append(dst, 'p', '-')
	switch {
	case p < 10:
		dst = append(dst, '0', '0')
	case p < 100:
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(p), 10)
}
