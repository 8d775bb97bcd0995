package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The token rule, as the header (RequireBearer) and for a browser
// (RequireBearerOrCookie): nothing is served without the token; a browser
// proves it once with ?token= and then carries it as a cookie.
func TestRequireToken(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	type req struct {
		method, target, auth, cookie string
		want                         int
	}
	header := []req{
		{"GET", "/", "", "", 401},
		{"GET", "/", "Bearer wrong", "", 401},
		{"GET", "/", "s3cret", "", 401}, // not as a bearer
		{"GET", "/", "Bearer s3cret", "", 418},
		{"POST", "/abort", "Bearer s3cret", "", 418},
		{"GET", "/?token=s3cret", "", "", 401}, // no browser login on a header-only API
		{"GET", "/", "", "s3cret", 401},
	}
	browser := []req{
		{"GET", "/", "", "", 401},
		{"GET", "/", "Bearer s3cret", "", 418},
		{"GET", "/?token=wrong", "", "", 401},
		{"GET", "/?token=s3cret", "", "", 303},
		{"POST", "/abort?token=s3cret", "", "", 401}, // the login is a GET only
		{"GET", "/events", "", "s3cret", 418},
		{"POST", "/abort", "", "s3cret", 418},
		{"GET", "/events", "", "wrong", 401},
	}
	for name, tc := range map[string]struct {
		h    http.Handler
		reqs []req
	}{"header": {RequireBearer("s3cret", ok, "no"), header}, "browser": {RequireBearerOrCookie("s3cret", ok, "no"), browser}} {
		for _, rq := range tc.reqs {
			r := httptest.NewRequest(rq.method, rq.target, nil)
			if rq.auth != "" {
				r.Header.Set("Authorization", rq.auth)
			}
			if rq.cookie != "" {
				r.AddCookie(&http.Cookie{Name: TokenCookie, Value: rq.cookie})
			}
			w := httptest.NewRecorder()
			tc.h.ServeHTTP(w, r)
			if w.Code != rq.want {
				t.Errorf("%s: %s %s (auth %q, cookie %q): %d, want %d", name, rq.method, rq.target, rq.auth, rq.cookie, w.Code, rq.want)
			}
			if w.Code == http.StatusSeeOther {
				c := w.Result().Cookies()
				if loc := w.Header().Get("Location"); strings.Contains(loc, "token") || len(c) != 1 || c[0].Value != "s3cret" ||
					!c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
					t.Errorf("%s: the login redirects to %q with cookies %+v: want no token in the URL, one HttpOnly SameSite=Strict cookie", name, loc, c)
				}
			}
		}
	}
	w := httptest.NewRecorder()
	RequireBearerOrCookie("", ok, "no").ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusTeapot {
		t.Errorf("no token configured: %d, want everything served", w.Code)
	}
}
