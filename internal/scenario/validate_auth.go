package scenario

import (
	"strings"
)

// targetAuth checks target.auth: a scope to ask a token for, a header to
// carry it that no step sets too, and the Go engine (a k6 script sends its
// own requests).
func (c *checker) targetAuth(a *TargetAuth) {
	const p = "target.auth"
	if c.s.Engine == EngineK6 {
		c.errorf(p, "applies to engine go only (a k6 script sends its own requests and headers)")
	}
	switch {
	case strings.TrimSpace(a.BearerScope) == "":
		c.errorf(p+".bearer_scope", "give the token's scope, e.g. api://my-shop/.default")
	case strings.ContainsAny(a.BearerScope, " \t\r\n"):
		c.errorf(p+".bearer_scope", "%q: want one scope, without spaces", a.BearerScope)
	}
	if !tokenPattern().MatchString(a.Header) {
		c.errorf(p+".header", "%q is not an HTTP header name", a.Header)
		return
	}
	for i, st := range c.s.Load.Steps {
		sp := indexPath("load.steps", i)
		for _, field := range []struct {
			name string
			hs   map[string]string
		}{{"headers", st.Headers}, {"header_env", st.HeaderEnv}} {
			for _, h := range sortedKeys(field.hs, nil) {
				if strings.EqualFold(h, a.Header) {
					c.errorf(childPath(sp+"."+field.name, h), "header %s carries target.auth's bearer token: drop it here", h)
				}
			}
		}
	}
}
