// Package authtest serves a managed identity endpoint on loopback, the App
// Service protocol (IDENTITY_ENDPOINT, IDENTITY_HEADER) that azidentity's
// default credential chain asks for a token there, so that tests get bearer
// tokens through the real chain run in slocheck-cloud, and can check every
// token a request carried against the endpoint's own log of what it issued.
package authtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Header is the secret the endpoint wants in X-IDENTITY-HEADER.
const Header = "authtest-identity-header"

// Issued is one token the endpoint handed out.
type Issued struct {
	Token       string
	At, Expires time.Time
	Resource    string // the scope azidentity asked for, without /.default
}

// Endpoint is a loopback managed identity endpoint.
type Endpoint struct {
	URL string
	// Life is how long its tokens live; Mark is in every token.
	Life time.Duration
	Mark string

	mu   sync.Mutex
	fail string // when set, every request is refused (400) with this message
	log  []Issued
	asks int
}

// Start serves an endpoint whose tokens live life and hold mark, until the
// test ends.
func Start(t testing.TB, life time.Duration, mark string) *Endpoint {
	t.Helper()
	e := &Endpoint{Life: life, Mark: mark}
	srv := httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(srv.Close)
	e.URL = srv.URL + "/msi/token"
	return e
}

// Env is the environment that points azidentity's default chain at the
// endpoint (and keeps it to the managed identity source).
func (e *Endpoint) Env() map[string]string {
	return map[string]string{"IDENTITY_ENDPOINT": e.URL, "IDENTITY_HEADER": Header,
		"AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential"}
}

// Setenv sets Env for the test (and the processes it starts).
func (e *Endpoint) Setenv(t testing.TB) {
	for k, v := range e.Env() {
		t.Setenv(k, v)
	}
}

// Fail makes the endpoint refuse every request from now on with msg.
func (e *Endpoint) Fail(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fail = msg
}

// Issued returns the tokens issued so far, in order.
func (e *Endpoint) Issued() []Issued {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Issued(nil), e.log...)
}

// Asks is the number of token requests received, refused ones included.
func (e *Endpoint) Asks() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.asks
}

func (e *Endpoint) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.asks++
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Header.Get("X-IDENTITY-HEADER") != Header:
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = fmt.Fprint(w, `{"error":"invalid_request","error_description":"wrong X-IDENTITY-HEADER"}`)
		return
	case e.fail != "":
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": e.fail})
		return
	}
	now := time.Now()
	is := Issued{Token: fmt.Sprintf("tok-%s-%d", e.Mark, len(e.log)+1), At: now, Expires: now.Add(e.Life), Resource: r.URL.Query().Get("resource")}
	e.log = append(e.log, is)
	// expires_in (whole seconds from now, as the App Service endpoint
	// answers): azidentity takes the expiry as now + expires_in.
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": is.Token, "token_type": "Bearer",
		"expires_in": int(e.Life / time.Second), "resource": is.Resource})
}
