// Package httpapi holds the conventions slocheck's own HTTP APIs share (the
// embedded platform's admin API, a running run's control API): JSON answers,
// errors as {"error": "..."}, loopback unless told otherwise, and a bearer
// token that, once configured, every request must carry.
package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
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
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="slocheck"`)
			WriteError(w, http.StatusUnauthorized, msg)
			return
		}
		h.ServeHTTP(w, r)
	})
}
