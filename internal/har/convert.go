package har

import (
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/driver"
)

// ErrNoRequests says nothing was left of a recording once its static assets
// and non-HTTP entries were dropped.
var ErrNoRequests = errors.New("no HTTP request left once static assets are dropped")

// ThinkTimeGrid is what recorded think times are rounded to: a browser's
// timestamps carry the page's own scheduling, not a user's intent.
const ThinkTimeGrid = 100 * time.Millisecond

// Scenario is what a recording becomes: a scenario's steps, its one journey
// and its target, with what was dropped on the way.
type Scenario struct {
	Name      string        // the scenario's (and its journey's) name
	Target    string        // the origin of the recording's first request: scheme://host[:port]
	CheckURL  string        // the pre-run check: the first GET on Target the recording saw answered 2xx ("" for none)
	Steps     []Step        // in the recorded order
	ThinkTime time.Duration // the journey's pause between steps
	Gaps      []time.Duration
	Dropped   map[string]int // entries dropped, by reason (static, scheme, cors)
	Truncated int            // requests beyond driver.MaxSteps, not imported
}

// Step is one recorded request as a scenario step.
type Step struct {
	Name    string
	Method  string
	URL     string            // a path on Target, or an absolute URL on another origin
	Headers map[string]string // Content-Type, Accept and custom X-* headers, as recorded
	Body    string
	// Withheld are the headers the recording sent whose values are secrets
	// (Authorization, X-Api-Key, ...): named here, never copied.
	Withheld []string
	Status   int  // the status the recording got
	Cookie   bool // the recording sent a Cookie header
}

// Convert turns a parsed recording into a scenario named name.
func Convert(l *Log, name string) (*Scenario, error) {
	s := &Scenario{Name: stepName(name, "recorded"), Dropped: map[string]int{}}
	var last time.Time
	for i := range l.Entries {
		e := &l.Entries[i]
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			u = nil
		}
		if why := classify(e, u); why != keep {
			s.Dropped[why]++
			continue
		}
		if len(s.Steps) == driver.MaxSteps {
			s.Truncated++
			continue
		}
		if s.Target == "" {
			s.Target = origin(u)
		}
		at, ok := e.started()
		if ok && !last.IsZero() && len(s.Steps) > 0 {
			s.Gaps = append(s.Gaps, at.Sub(last))
		}
		if ok {
			last = at
		}
		s.Steps = append(s.Steps, s.step(e, u))
	}
	if len(s.Steps) == 0 {
		return nil, ErrNoRequests
	}
	s.ThinkTime = thinkTime(s.Gaps)
	s.CheckURL = checkURL(s.Steps)
	return s, nil
}

// checkURL is the pre-run check of an imported scenario: the first GET on
// the recording's own origin (a path) that answered 2xx without a template,
// since a team's shop need not have the default /health.
func checkURL(steps []Step) string {
	for _, st := range steps {
		if st.Method == "GET" && st.Status/100 == 2 && strings.HasPrefix(st.URL, "/") && !strings.Contains(st.URL, "{{") {
			return st.URL
		}
	}
	return ""
}

// step converts one kept entry.
func (s *Scenario) step(e *Entry, u *url.URL) Step {
	st := Step{Method: strings.ToUpper(e.Request.Method), Status: e.Response.Status, Headers: map[string]string{}}
	if st.Method == "" {
		st.Method = "GET"
	}
	st.URL = u.String()
	if origin(u) == s.Target {
		u := *u
		u.Scheme, u.Host, u.User = "", "", nil
		st.URL = u.String()
		if st.URL == "" || st.URL[0] != '/' {
			st.URL = "/" + st.URL
		}
	}
	st.URL, _, _ = strings.Cut(st.URL, "#")
	for _, h := range e.Request.Headers {
		st.header(h)
	}
	st.body(e.Request.PostData)
	base := st.Method + "-" + strings.Trim(u.Path, "/")
	if u.Path == "" || u.Path == "/" {
		base = st.Method + "-root"
	}
	st.Name = s.uniqueName(stepName(base, st.Method))
	return st
}

// header keeps h if it matters to the server, withholds it if it is a secret.
func (st *Step) header(h Pair) {
	name := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(h.Name))
	switch {
	case name == "" || name[0] == ':': // HTTP/2 pseudo-headers: the request line
	case name == "Cookie":
		st.Cookie = true
	case secret(name):
		if !slices.Contains(st.Withheld, name) {
			st.Withheld = append(st.Withheld, name)
		}
	case name == "Content-Type" || name == "Accept" || strings.HasPrefix(name, "X-"):
		st.Headers[name] = h.Value
	}
}

// body takes the recorded body: its text, or its form params encoded.
func (st *Step) body(p *PostData) {
	if p == nil {
		return
	}
	st.Body = p.Text
	if st.Body == "" && len(p.Params) > 0 {
		v := url.Values{}
		for _, kv := range p.Params {
			v.Add(kv.Name, kv.Value)
		}
		st.Body = v.Encode()
	}
	if _, ok := st.Headers["Content-Type"]; !ok && p.MimeType != "" && st.Body != "" {
		st.Headers["Content-Type"] = p.MimeType
	}
}

// secretWords mark a header whose value is a credential.
var secretWords = []string{"auth", "token", "key", "secret", "password", "signature", "session", "csrf", "xsrf"}

func secret(name string) bool {
	n := strings.ToLower(name)
	return n == "authorization" || n == "proxy-authorization" ||
		(strings.HasPrefix(n, "x-") && slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(n, w) }))
}

// origin is u's scheme://host[:port].
func origin(u *url.URL) string { return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) }

var nameChars = regexp.MustCompile(`[^a-z0-9._]+`)

// stepName makes s a valid scenario name: lower case, runs of other
// characters a '-', at most 40 characters; fallback if nothing is left.
func stepName(s, fallback string) string {
	n := strings.Trim(nameChars.ReplaceAllString(strings.ToLower(s), "-"), "-._")
	if len(n) > 40 {
		n = strings.TrimRight(n[:40], "-._")
	}
	if n == "" {
		return strings.ToLower(fallback)
	}
	return n
}

// uniqueName is base, or base-2, base-3, ... if a step already has it.
func (s *Scenario) uniqueName(base string) string {
	taken := func(n string) bool {
		return slices.ContainsFunc(s.Steps, func(st Step) bool { return st.Name == n })
	}
	n := base
	for i := 2; taken(n); i++ {
		n = fmt.Sprintf("%s-%d", base, i)
	}
	return n
}

// thinkTime is the median gap between consecutive requests, rounded to
// ThinkTimeGrid and capped at driver.MaxThinkTime. The median, not the mean:
// one coffee break in a recording should not slow every journey.
func thinkTime(gaps []time.Duration) time.Duration {
	if len(gaps) == 0 {
		return 0
	}
	g := slices.Clone(gaps)
	slices.Sort(g)
	m := g[len(g)/2]
	if len(g)%2 == 0 {
		m = (g[len(g)/2-1] + m) / 2
	}
	return min(max(m.Round(ThinkTimeGrid), 0), driver.MaxThinkTime)
}
