package driver

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/auth"
)

// Step is one request a journey can send (Config.Steps): any shop's API.
type Step struct {
	Name   string
	Method string // "" is GET
	// URL is a template: a path ("/api/cart/{{cart}}") joined to the client
	// region's base URL, or an absolute http(s) URL whose scheme and host
	// are literal.
	URL     string
	Headers map[string]string // header -> value template
	// Secrets are headers whose values the caller resolved (an API key
	// from the environment: a scenario's header_env, see internal/auth).
	// They are sent as they are and never reported.
	Secrets []auth.Header
	Body    string        // template; a body without a Content-Type header is sent as application/json
	Success []int         // statuses that count as success; empty: 2xx and 3xx
	Timeout time.Duration // 0: Config.Timeout (at most it)
	Extract map[string]Extract
	Write   *Write // the step's success is an acknowledged write (for the RPO)
}

// Extract is where in an answer a value comes from: exactly one of a JSON
// path into the body (tidwall/gjson syntax), a response header, or a cookie
// of the journey's jar after the answer.
type Extract struct {
	JSON, Header, Cookie string
}

// IsZero reports whether e names no place.
func (e Extract) IsZero() bool { return e == Extract{} }

// Write says how a step's answer acknowledges a write.
type Write struct {
	ID     Extract // the write's id
	Region Extract // the region that acknowledged it; zero: the served-by header
	Acked  Extract // when it was acknowledged (RFC 3339); zero: the answer's arrival
	// Statuses are the statuses that acknowledge; empty: the step's
	// success statuses.
	Statuses []int
}

// Data is the rows journeys take their {{data.<column>}} values from: each
// journey one row, in order of arrival or at random with the run's seed.
type Data struct {
	Columns []string
	Rows    [][]string // each as long as Columns
	Random  bool
}

// ReferenceSteps are the reference shop's four steps (browse, product,
// cart, checkout) with the given bodies: the default of Config.Steps.
func ReferenceSteps(cartBody, checkoutBody []byte) []Step {
	return []Step{
		{Name: StepBrowse, URL: "/catalog"},
		{Name: StepProduct, URL: "/products/{{product}}"},
		{Name: StepCart, Method: http.MethodPost, URL: "/cart", Body: string(cartBody)},
		{Name: StepCheckout, Method: http.MethodPost, URL: "/checkout", Body: string(checkoutBody),
			Write: &Write{ID: Extract{JSON: "id"}, Region: Extract{JSON: "region"}, Acked: Extract{JSON: "acked"},
				Statuses: []int{http.StatusCreated}}},
	}
}

// cstep is a Step compiled: templates, success statuses, extractions.
type cstep struct {
	Step
	method   []byte
	path     tmpl   // the URL's path and query (after origin)
	origin   string // "scheme://host" of an absolute URL; "" for a path joined to the region's base
	headers  []cheader
	body     tmpl
	hasBody  bool
	ctype    bool // a Content-Type header is among the headers
	timeout  time.Duration
	extracts []cextract
	write    *cwrite
	dynamic  bool // renders differently per journey: no pre-serialised request
}

type cheader struct {
	name []byte
	val  tmpl
}

type cextract struct {
	slot int
	from Extract
}

type cwrite struct {
	id, region, acked Extract
	statuses          []int
}

// varSlots numbers the names every step extracts, sorted.
func varSlots(steps []Step) map[string]int {
	var all []string
	for _, s := range steps {
		for name := range s.Extract {
			if !slices.Contains(all, name) {
				all = append(all, name)
			}
		}
	}
	sort.Strings(all)
	slots := make(map[string]int, len(all))
	for i, n := range all {
		slots[n] = i
	}
	return slots
}

// compileSteps compiles steps against the data's columns; timeout is the
// run's, common the headers every step carries (Config.Auth).
func compileSteps(steps []Step, data *Data, timeout time.Duration, common []auth.Header) ([]cstep, error) {
	n := &names{columns: map[string]int{}, vars: varSlots(steps)}
	if data != nil {
		for i, c := range data.Columns {
			n.columns[c] = i
		}
	}
	var errs []error
	out := make([]cstep, len(steps))
	for i, s := range steps {
		cs, err := n.compileStep(s, timeout, common)
		if err != nil {
			errs = append(errs, fmt.Errorf("step %s: %w", s.Name, err))
		}
		out[i] = cs
	}
	return out, errors.Join(errs...)
}

func (n *names) compileStep(s Step, timeout time.Duration, common []auth.Header) (cstep, error) {
	cs := cstep{Step: s, method: []byte(cmpOr(s.Method, http.MethodGet)), timeout: cmpOr(s.Timeout, timeout)}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if m := string(cs.method); m == http.MethodHead || m == http.MethodConnect || m == http.MethodTrace {
		add(fmt.Errorf("method %s is not supported (its answer has no body to frame)", m))
	}
	rest := s.URL
	if !strings.HasPrefix(s.URL, "/") {
		cs.origin, rest = splitOrigin(s.URL)
		if cs.origin == "" {
			add(fmt.Errorf("url %q: want a path (/…) or an absolute http(s) URL with a literal host", s.URL))
		}
	}
	var err error
	cs.path, err = n.compile(cmpOr(rest, "/"))
	add(wrap("url", err))
	cs.body, err = n.compile(s.Body)
	add(wrap("body", err))
	cs.hasBody = s.Body != ""
	for _, h := range sortedKeys(s.Headers) {
		t, err := n.compile(s.Headers[h])
		add(wrap("header "+h, err))
		cs.headers = append(cs.headers, cheader{name: []byte(h), val: t})
	}
	for _, h := range append(slices.Clip(s.Secrets), common...) {
		ch, err := cs.secretHeader(h)
		add(err)
		cs.headers = append(cs.headers, ch)
	}
	for _, h := range cs.headers {
		cs.ctype = cs.ctype || strings.EqualFold(string(h.name), "Content-Type")
	}
	add(cs.compileExtracts(n.vars))
	cs.dynamic = cs.path.dynamic() || cs.body.dynamic()
	for _, h := range cs.headers {
		cs.dynamic = cs.dynamic || h.val.dynamic()
	}
	return cs, errors.Join(errs...)
}

// secretHeader compiles a header whose value is a secret: a literal when
// it is fixed, else read per send (a bearer token, refreshed meanwhile).
// Its value is never in an error.
func (cs *cstep) secretHeader(h auth.Header) (cheader, error) {
	ch := cheader{name: []byte(h.Name)}
	switch {
	case h.Name == "" || strings.ContainsAny(h.Name, " :\r\n\x00") || h.Value == nil:
		return ch, fmt.Errorf("secret header %q: want a header name and a value", h.Name)
	case h.Fixed():
		v := h.Value()
		if strings.ContainsAny(v, "\r\n\x00") {
			return ch, fmt.Errorf("header %s: its value holds a line break or NUL", h.Name)
		}
		ch.val = tmpl{segs: []seg{{kind: segLit, lit: []byte(v)}}}
	default:
		ch.val = tmpl{segs: []seg{{kind: segSecret, fn: h.Value}}}
	}
	for _, other := range cs.headers {
		if strings.EqualFold(string(other.name), h.Name) {
			return ch, fmt.Errorf("header %s is set twice", h.Name)
		}
	}
	return ch, nil
}

func (cs *cstep) compileExtracts(slots map[string]int) error {
	var errs []error
	for _, name := range sortedKeys(cs.Extract) {
		e := cs.Extract[name]
		if err := e.Check(false); err != nil {
			errs = append(errs, fmt.Errorf("extract %s: %w", name, err))
		}
		cs.extracts = append(cs.extracts, cextract{slot: slots[name], from: e})
	}
	if w := cs.Write; w != nil {
		errs = append(errs, wrap("write id", w.ID.Check(false)), wrap("write region", w.Region.Check(true)),
			wrap("write acked", w.Acked.Check(true)))
		cs.write = &cwrite{id: w.ID, region: w.Region, acked: w.Acked, statuses: w.Statuses}
	}
	return errors.Join(errs...)
}

// Errors of Extract.Check.
var (
	ErrExtractPlaces = errors.New("want exactly one of json, header, cookie")
	ErrJSONPath      = errors.New("can never match")
)

// Check checks that e names exactly one place (or none, when optional)
// and that a JSON path can match: ErrExtractPlaces or ErrJSONPath, wrapped.
// The scenario validator asks it too, so the rule is this one.
func (e Extract) Check(optional bool) error {
	n := 0
	for _, v := range []string{e.JSON, e.Header, e.Cookie} {
		if v != "" {
			n++
		}
	}
	switch {
	case n == 0 && optional:
		return nil
	case n != 1:
		return ErrExtractPlaces
	case e.JSON != "" && !ValidJSONPath(e.JSON):
		return fmt.Errorf("json path %q %w", e.JSON, ErrJSONPath)
	}
	return nil
}

// ValidJSONPath reports whether p is a gjson path that can match some JSON
// document: not empty, no empty component (a leading, trailing or doubled
// '.' or '|'), no dangling escape, and every query "#(" closed.
func ValidJSONPath(p string) bool {
	if p == "" || strings.ContainsAny(p[:1], ".|") || strings.ContainsAny(p[len(p)-1:], ".|") {
		return false
	}
	depth := 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			if i++; i == len(p) {
				return false
			}
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth < 0 {
				return false
			}
		case depth == 0 && (c == '.' || c == '|') && (p[i+1] == '.' || p[i+1] == '|'):
			return false
		}
	}
	return depth == 0
}

// splitOrigin splits an absolute http(s) URL into its origin and the rest
// (path and query, "" for none); origin is "" when u has none or a
// placeholder in it.
func splitOrigin(u string) (origin, rest string) {
	scheme, after, ok := strings.Cut(u, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return "", ""
	}
	host, path, _ := strings.Cut(after, "/")
	if host == "" || strings.Contains(host, "{{") {
		return "", ""
	}
	if pu, err := url.Parse(scheme + "://" + host); err != nil || pu.Host == "" {
		return "", ""
	}
	if path != "" || strings.HasSuffix(after, "/") {
		path = "/" + path
	}
	return scheme + "://" + host, path
}

// usesProduct reports whether cs's request names a {{product}}.
func (cs *cstep) usesProduct() bool {
	u := cs.path.uses(segProduct) || cs.body.uses(segProduct)
	for _, h := range cs.headers {
		u = u || h.val.uses(segProduct)
	}
	return u
}

// successful reports whether status counts as success for cs.
func (cs *cstep) successful(status int) bool {
	if len(cs.Success) > 0 {
		return slices.Contains(cs.Success, status)
	}
	return status >= 200 && status < 400
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
