// Package httpapi holds the conventions slocheck's own HTTP APIs share (the
// embedded platform's admin API, a running run's control API): JSON answers,
// errors as {"error": "..."}, loopback unless told otherwise, and a bearer
// token that, once configured, every request must carry (a browser: as a
// cookie it gets by proving the token once).
package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"strings"
)

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes {"error": msg} with status.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}

// IsLoopback reports whether a listen address (host:port) binds loopback only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RequireBearer answers 401 with msg to every request without
// "Authorization: Bearer <token>", and hands the others to h. An empty token
// requires nothing.
func RequireBearer(token string, h http.Handler, msg string) http.Handler {
	return requireToken(token, h, msg, false)
}

// TokenCookie is the cookie that carries the token for a browser.
const TokenCookie = "slocheck_token"

// RequireBearerOrCookie is RequireBearer for an API a browser also opens (a
// run's live page): a browser cannot set the header, so it proves the token
// once with ?token=<token> on a GET, which answers with the token as a
// cookie (HttpOnly; SameSite=Strict, so no other site's page can send it)
// and a redirect to the same URL without it; from then on the cookie stands
// for the header. The rule is RequireBearer's: with a token, nothing is
// served without it.
func RequireBearerOrCookie(token string, h http.Handler, msg string) http.Handler {
	return requireToken(token, h, msg, true)
}

func requireToken(token string, h http.Handler, msg string, browser bool) http.Handler {
	if token == "" {
		return h
	}
	same := func(got string) bool { return subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1 }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, isBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch {
		case isBearer && same(bearer):
			h.ServeHTTP(w, r)
			return
		case !browser:
		case r.Method == http.MethodGet && r.URL.Query().Has("token") && same(r.URL.Query().Get("token")):
			http.SetCookie(w, &http.Cookie{Name: TokenCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			u := *r.URL
			q := u.Query()
			q.Del("token")
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
			return
		default:
			if c, err := r.Cookie(TokenCookie); err == nil && same(c.Value) {
				h.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="slocheck"`)
		WriteError(w, http.StatusUnauthorized, msg)
	})
}
