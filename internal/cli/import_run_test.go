package cli_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/slocheck/slocheck/internal/exitcode"
)

// recorded is what the committed recording's kept requests look like on the
// wire: the truth the replay is checked against.
var recorded = map[string]struct{ body, contentType string }{
	"GET /": {},
	"GET /api/products?category=shoes&page=1": {},
	"POST /api/login":                         {`{"user":"ada","password":"hunter2"}`, "application/json"},
	"POST /api/cart/items":                    {`{"sku":"sku-42","qty":1}`, "application/json; charset=utf-8"},
	"POST /v1/collect":                        {"event=add_to_cart", "text/plain;charset=UTF-8"},
	"GET /api/cart":                           {},
	"POST /checkout":                          {"cart=cart-9&pay=card+on+file", "application/x-www-form-urlencoded"},
}

// replayShop answers the recording's requests and logs what it saw, per
// session cookie; the login hands out a new session each time.
type replayShop struct {
	mu       sync.Mutex
	seen     map[string]int      // "METHOD /path?query" -> count
	sessions map[string][]string // session -> the requests that carried it, in order
	issued   int
	problems []string
}

func (s *replayShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Method + " " + r.URL.RequestURI()
	if key == "GET /health" { // the run's reachability check
		w.WriteHeader(http.StatusNotFound)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want, ok := recorded[key]
	switch {
	case !ok:
		s.problems = append(s.problems, "unrecorded request "+key)
		w.WriteHeader(http.StatusNotFound)
		return
	case string(body) != want.body || r.Header.Get("Content-Type") != want.contentType:
		s.problems = append(s.problems, fmt.Sprintf("%s: body %q content type %q, want %q %q", key, body, r.Header.Get("Content-Type"), want.body, want.contentType))
	case r.Header.Get("Authorization") != "" || r.Header.Get("X-Csrf-Token") != "":
		s.problems = append(s.problems, key+": sent a credential the recording's scenario must not copy")
	case strings.HasPrefix(key, "GET /api/products") || key == "POST /api/cart/items":
		if r.Header.Get("X-Client-Version") != "1.4.2" {
			s.problems = append(s.problems, key+": no X-Client-Version header")
		}
	}
	s.seen[key]++
	if c, err := r.Cookie("sid"); err == nil {
		s.sessions[c.Value] = append(s.sessions[c.Value], key)
	}
	switch key {
	case "POST /api/login":
		s.issued++
		sid := fmt.Sprintf("s-%d", s.issued)
		s.sessions[sid] = []string{}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true})
		fmt.Fprint(w, `{"token":"t"}`)
	case "POST /api/cart/items":
		w.WriteHeader(http.StatusCreated)
	case "POST /v1/collect":
		w.WriteHeader(http.StatusNoContent)
	}
}

// TestImportHARRuns imports the recording, points its two origins at
// loopback servers, runs it, and checks every request the servers saw
// against the recording: method, path and query, body, headers, and the
// login's session cookie carried by the later requests of the same journey.
func TestImportHARRuns(t *testing.T) {
	needStepsSchema(t)
	shop := &replayShop{seen: map[string]int{}, sessions: map[string][]string{}}
	srv := httptest.NewServer(shop)
	defer srv.Close()
	analytics := httptest.NewServer(shop)
	defer analytics.Close()

	_, scenario, _ := slocheck(t, "import", "har", recording)
	// Only the addresses and the think time change: the recording's 2.5 s
	// pauses would make one journey last 15 s.
	scenario = strings.NewReplacer("http://127.0.0.1:8080", srv.URL,
		"https://events.shop-analytics.example", analytics.URL,
		"think_time: 2.5s", "think_time: 20ms").Replace(scenario)
	dir := t.TempDir()
	p := filepath.Join(dir, "shop.yaml")
	if err := os.WriteFile(p, []byte(scenario), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	code, _, errOut := slocheck(t, "run", "--quiet", "--scenario", p, "--rate", "35", "--duration", "4s", "--out", out)
	if code != exitcode.OK {
		t.Fatalf("run: exit %d\n%s", code, errOut)
	}
	shop.mu.Lock()
	defer shop.mu.Unlock()
	for _, p := range shop.problems {
		t.Error(p)
	}
	total := 0
	for key := range recorded {
		total += shop.seen[key]
		if shop.seen[key] == 0 {
			t.Errorf("the shop never saw %s", key)
		}
	}
	checkSessions(t, shop)
	r := readReport(t, out)
	if r.Failures != 0 || r.Successes == 0 || r.Successes > uint64(total) {
		t.Errorf("report: %d successes, %d failures; the shops saw %d requests", r.Successes, r.Failures, total)
	}
}

// checkSessions: each session a login issued was carried by one journey's
// later requests, in the recorded order (a prefix of it when the run ended
// mid-journey), and at least one journey got to its checkout.
func checkSessions(t *testing.T, shop *replayShop) {
	t.Helper()
	after := []string{"POST /api/cart/items", "GET /api/cart", "POST /checkout"}
	complete := 0
	for sid, keys := range shop.sessions {
		// The analytics server is on the same loopback host, and cookies
		// ignore ports: whether the jar sends the session there is its own.
		keys = slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == "POST /v1/collect" })
		if !strings.HasPrefix(sid, "s-") {
			t.Errorf("session %q was never issued", sid)
		}
		if len(keys) > len(after) || !slices.Equal(keys, after[:len(keys)]) {
			t.Errorf("session %s carried by %q, want a prefix of %q (one cookie jar per journey)", sid, keys, after)
		}
		if len(keys) == len(after) {
			complete++
		}
	}
	if complete == 0 || len(shop.sessions) != shop.issued {
		t.Errorf("%d journeys reached checkout; %d sessions seen of %d issued", complete, len(shop.sessions), shop.issued)
	}
}
