package scenario

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/slocheck/slocheck/internal/driver"
)

// unsetPattern is a template scenario's placeholder that was never filled
// in: <subscription-id>, REPLACE_ME.
var unsetPattern = regexp.MustCompile(`<[A-Za-z][A-Za-z0-9 _.-]*>|REPLACE_ME`)

// steps checks load.preset, load.steps and load.data.
func (c *checker) steps(l *Traffic) {
	if l.Preset != "" && l.Preset != PresetReference {
		c.errorf("load.preset", "unknown preset %q (want %s)", l.Preset, PresetReference)
	}
	if len(l.Steps) > 0 && c.s.Engine == EngineK6 {
		c.errorf("load.steps", "steps apply to engine go only (a k6 script sends its own requests)")
	}
	c.count("load.steps", len(l.Steps), driver.MaxSteps, "steps")
	c.data(l.Data)
	known := c.knownNames(l)
	seen := map[string]int{}
	if l.usesPreset() {
		for _, n := range Steps {
			seen[n] = -1
		}
	}
	readback := ""
	for i := range l.Steps {
		st := &l.Steps[i]
		p := indexPath("load.steps", i)
		c.name(p+".name", st.Name)
		if prev, dup := seen[st.Name]; dup {
			where := "a step of the reference preset"
			if prev >= 0 {
				where = indexPath("load.steps", prev)
			}
			c.errorf(p+".name", "%q is also the name of %s", st.Name, where)
		}
		seen[st.Name] = i
		c.step(p, st, known)
		if w := st.Write; w != nil && w.ReadbackURL != "" {
			if readback != "" && w.ReadbackURL != readback {
				c.errorf(p+".write.readback_url", "differs from an earlier step's %q: a run reads every write back through one template", readback)
			}
			readback = w.ReadbackURL
		}
	}
}

// knownNames are the placeholder names any step may use.
func (c *checker) knownNames(l *Traffic) map[string]bool {
	known := map[string]bool{}
	for _, b := range driver.Builtins {
		known[b] = true
	}
	if l.Data != nil && l.Data.rows != nil {
		for _, col := range l.Data.rows.Columns {
			known[driver.DataPrefix+col] = true
		}
	}
	for _, st := range l.Steps {
		for name := range st.Extract {
			known[name] = true
		}
	}
	return known
}

func (c *checker) step(p string, st *Step, known map[string]bool) {
	c.oneOf(p+".method", "method", st.Method, append(slices.Clone(httpMethods), "OPTIONS"))
	c.stepURL(p+".url", st.URL, known)
	for _, h := range sortedKeys(st.Headers, nil) {
		c.header(childPath(p+".headers", h), h)
		c.template(childPath(p+".headers", h), st.Headers[h], known)
	}
	for _, h := range sortedKeys(st.HeaderEnv, nil) {
		hp := childPath(p+".header_env", h)
		c.header(hp, h)
		if !envPattern().MatchString(st.HeaderEnv[h]) {
			c.errorf(hp, "%q is not an environment variable name", st.HeaderEnv[h])
		}
		if _, both := st.Headers[h]; both {
			c.errorf(hp, "header %s is also in headers", h)
		}
	}
	c.template(p+".body", st.Body, known)
	if len(st.Body) > driver.MaxBodyBytes {
		c.errorf(p+".body", "%d bytes: above the limit of %d", len(st.Body), driver.MaxBodyBytes)
	}
	for k, code := range st.Success {
		if code < 100 || code > 599 {
			c.errorf(indexPath(p+".success", k), "%d is not an HTTP status (100 to 599)", code)
		}
	}
	c.nonNegative(p+".timeout", st.Timeout)
	if st.Timeout > c.s.Load.Timeout {
		c.errorf(p+".timeout", "%s is longer than load.timeout (%s)", st.Timeout, c.s.Load.Timeout)
	}
	for _, name := range sortedKeys(st.Extract, nil) {
		ep := childPath(p+".extract", name)
		if slices.Contains(driver.Builtins, name) || strings.HasPrefix(name, driver.DataPrefix) {
			c.errorf(ep, "%q is a builtin placeholder name", name)
		} else if err := checkPlaceholderName(name); err != nil {
			c.errorf(ep, "%v", err)
		}
		c.extract(ep, st.Extract[name], false)
	}
	if w := st.Write; w != nil {
		c.extract(p+".write.id", w.ID, false)
		c.extract(p+".write.region", w.Region, true)
		c.stepReadback(p+".write.readback_url", w.ReadbackURL)
	}
}

func checkPlaceholderName(name string) error {
	if _, err := driver.Placeholders("{{" + name + "}}"); err != nil || strings.Contains(name, "}") {
		return fmt.Errorf("%q is not a placeholder name (letters, digits, '_', '-', '.')", name)
	}
	return nil
}

func (c *checker) header(p, name string) {
	if !tokenPattern().MatchString(name) {
		c.errorf(p, "%q is not an HTTP header name", name)
	}
}

// template checks a template's syntax and that each placeholder names a
// builtin, a data column or a value a step extracts.
func (c *checker) template(p, t string, known map[string]bool) []string {
	names, err := driver.Placeholders(t)
	if err != nil {
		c.errorf(p, "template: %v", err)
		return nil
	}
	for _, n := range names {
		switch {
		case known[n]:
		case strings.HasPrefix(n, driver.DataPrefix) && c.s.Load.Data == nil:
			c.errorf(p, "{{%s}}: no load.data to take it from", n)
		case strings.HasPrefix(n, driver.DataPrefix):
			if c.s.Load.Data.rows != nil {
				c.errorf(p, "{{%s}}: the data file has no column %q (it has %s)", n, strings.TrimPrefix(n, driver.DataPrefix),
					strings.Join(c.s.Load.Data.rows.Columns, ", "))
			}
		default:
			c.errorf(p, "{{%s}} names nothing: not a builtin (%s), data.<column> or a value a step extracts",
				n, strings.Join(driver.Builtins, ", "))
		}
	}
	return names
}

// stepURL checks a step's url: a path, or an absolute http(s) URL whose
// scheme and host have no placeholder.
func (c *checker) stepURL(p, u string, known map[string]bool) {
	if c.template(p, u, known) == nil && strings.Contains(u, "{{") {
		return
	}
	filled := regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(u, "x")
	if strings.HasPrefix(u, "/") {
		if _, err := url.ParseRequestURI(filled); err != nil {
			c.errorf(p, "%q is not a URL path: %v", u, err)
		}
		return
	}
	pu, err := url.Parse(filled)
	scheme, rest, _ := strings.Cut(u, "://")
	host, _, _ := strings.Cut(rest, "/")
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || scheme != pu.Scheme || strings.Contains(host, "{{") {
		c.errorf(p, "want a path (/…) or an absolute http:// or https:// URL with a literal host, got %q", u)
	}
}

// extract checks that e names exactly one place (none too when optional)
// and that a JSON path can match, by the driver's rule (Extract.Check),
// naming the field.
func (c *checker) extract(p string, e Extract, optional bool) {
	err := driver.Extract{JSON: e.JSON, Header: e.Header, Cookie: e.Cookie}.Check(optional)
	switch {
	case errors.Is(err, driver.ErrExtractPlaces):
		c.errorf(p, "want exactly one of json (a JSON path), header or cookie")
	case errors.Is(err, driver.ErrJSONPath):
		c.errorf(p+".json", "%q is not a JSON path that can match (gjson syntax: order.id, items.0.sku)", e.JSON)
	case err == nil && e.Header != "":
		c.header(p+".header", e.Header)
	}
}

// stepReadback checks a write's read-back template: an absolute URL with
// {{id}} and, optionally, {{region}}; only a target reads writes back.
func (c *checker) stepReadback(p, t string) {
	if t == "" {
		return
	}
	if c.s.Target == nil {
		c.errorf(p, "the embedded platform reads its writes back itself: a readback_url applies to a target")
		return
	}
	names, err := driver.Placeholders(t)
	if err != nil {
		c.errorf(p, "template: %v", err)
		return
	}
	for _, n := range names {
		if n != "id" && n != "region" {
			c.errorf(p, "unknown placeholder {{%s}} (want {{id}} and {{region}})", n)
			return
		}
	}
	if !slices.Contains(names, "id") {
		c.errorf(p, "the template needs {{id}}, the acknowledged write's id")
		return
	}
	if tr := c.s.Target.ReadbackURL; tr != "" && c.s.src.explicit("target.readback_url") && tr != readbackVar().ReplaceAllString(t, "{$1}") {
		c.errorf(p, "differs from target.readback_url %q: a run reads every write back through one template", tr)
	}
	c.url(p, readbackVar().ReplaceAllString(t, "x"))
}

// data reads load.data's file (so that a missing or malformed file, with
// its own line, is a validate error) and keeps its rows for the run.
func (c *checker) data(d *Data) {
	if d == nil {
		return
	}
	c.oneOf("load.data.order", "order", d.Order, []string{OrderSequential, OrderRandom})
	if d.File == "" {
		c.errorf("load.data.file", "want a CSV or JSON lines file")
		return
	}
	rows, err := readData(c.s.DataPath())
	if err != nil {
		c.errorf("load.data.file", "%v", err)
		return
	}
	rows.Random = d.Order == OrderRandom
	d.rows = rows
}

// journeyValues checks that each journey's steps use an extracted value
// only after a step of that journey extracts it.
func (c *checker) journeyValues(l *Traffic) {
	for i, j := range l.Journeys {
		have := map[string]bool{}
		for k, name := range j.Steps {
			st := l.step(name)
			if st == nil {
				continue
			}
			for _, n := range stepPlaceholders(st) {
				if c.isExtracted(l, n) && !have[n] {
					c.errorf(indexPath(indexPath("load.journeys", i)+".steps", k),
						"step %s uses {{%s}}, which no earlier step of this journey extracts", name, n)
				}
			}
			for n := range st.Extract {
				have[n] = true
			}
		}
	}
}

func (c *checker) isExtracted(l *Traffic, name string) bool {
	for _, st := range l.Steps {
		if _, ok := st.Extract[name]; ok {
			return true
		}
	}
	return false
}

// stepPlaceholders returns every placeholder a step's request uses.
func stepPlaceholders(st *Step) []string {
	all := []string{st.URL, st.Body}
	for _, v := range st.Headers {
		all = append(all, v)
	}
	var names []string
	for _, t := range all {
		n, _ := driver.Placeholders(t)
		names = append(names, n...)
	}
	return names
}

// unset reports strings a template scenario still has placeholders in
// (<subscription-id>, REPLACE_ME), each at its field. Step bodies are
// exempt (an XML body has <tags>).
func (c *checker) unset() {
	walkStrings(reflect.ValueOf(c.s).Elem(), "", func(path, v string) {
		if m := unsetPattern.FindString(v); m != "" && !strings.HasSuffix(path, ".body") {
			c.errorf(path, "%s is a placeholder still to fill in", m)
		}
	})
}

// walkStrings calls f with every string in v (exported YAML fields, map
// values, list elements) and its field path.
func walkStrings(v reflect.Value, path string, f func(path, v string)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, f)
		}
	case reflect.Struct:
		names, index := fieldsOf(v.Type())
		for _, n := range names {
			walkStrings(v.Field(index[n]), childPath(path, n), f)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkStrings(v.Index(i), indexPath(path, i), f)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkStrings(v.MapIndex(k), childPath(path, k.String()), f)
		}
	case reflect.String:
		f(path, v.String())
	}
}
