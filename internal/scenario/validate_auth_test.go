package scenario

import (
	"strings"
	"testing"
)

// TestTargetAuth checks target.auth's defaults, that validate --print
// keeps it, and each mistake as an error at its field.
func TestTargetAuth(t *testing.T) {
	s := mustParse(t, "name: x\ntarget:\n  url: http://127.0.0.1:9\n  auth: {bearer_scope: api://shop/.default}\n")
	if a := s.Target.Auth; a == nil || a.BearerScope != "api://shop/.default" || a.Header != "Authorization" {
		t.Fatalf("auth %+v: want the scope and the default header", a)
	}
	y, err := s.YAML()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("x.yaml", y)
	if err != nil || *again.Target.Auth != *s.Target.Auth {
		t.Fatalf("printed %s\nparses back to %+v, %v", y, again, err)
	}
	const target = "name: x\ntarget:\n  url: http://127.0.0.1:9\n  auth: "
	for _, tc := range []struct{ name, src, want string }{
		{"no scope", target + "{header: X-Token}\n", "x.yaml:4:3: target.auth.bearer_scope: give the token's scope"},
		{"two scopes", target + "{bearer_scope: 'a b'}\n", `target.auth.bearer_scope: "a b": want one scope`},
		{"unfilled scope", target + "{bearer_scope: 'api://<your-shop>/.default'}\n", "target.auth.bearer_scope: <your-shop> is a placeholder still to fill in"},
		{"header", target + "{bearer_scope: s, header: 'X Token'}\n", `target.auth.header: "X Token" is not an HTTP header name`},
		{"unknown field", target + "{bearer_scope: s, token: t}\n", "target.auth.token"},
		{"k6", "name: x\nengine: k6\nk6: {script: s.js}\n" + target[8:] + "{bearer_scope: s}\n", "target.auth: applies to engine go only"},
		{"step sets it too", target + "{bearer_scope: s}\nload:\n  steps: [{name: a, url: /a, headers: {authorization: x}}, {name: b, url: /b, header_env: {Authorization: T}}]\n",
			"load.steps[0].headers.authorization: header authorization carries target.auth's bearer token"},
		{"step env sets it too", target + "{bearer_scope: s}\nload:\n  steps: [{name: b, url: /b, header_env: {Authorization: T}}]\n",
			"load.steps[0].header_env.Authorization: header Authorization carries target.auth's bearer token"},
	} {
		errs := parseErrs(t, tc.src)
		if !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %q", tc.name, errs, tc.want)
		}
	}
}
