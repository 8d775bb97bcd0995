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

// wire is a recorded request's body and Content-Type.
type wire struct{ body, contentType string }

// shopHAR's kept requests as they look on the wire: the truth its replay is
// checked against.
var shopHAR = map[string]wire{
	"GET /": {},
	"GET /api/products?category=shoes&page=1": {},
	"POST /api/login":                         {`{"user":"ada","password":"hunter2"}`, "application/json"},
	"POST /api/cart/items":                    {`{"sku":"sku-42","qty":1}`, "application/json; charset=utf-8"},
	"POST /v1/collect":                        {"event=add_to_cart", "text/plain;charset=UTF-8"},
	"GET /api/cart":                           {},
	"POST /checkout":                          {"cart=cart-9&pay=card+on+file", "application/x-www-form-urlencoded"},
}

// chromiumHAR's kept requests (recorded in headless Chromium).
var chromiumHAR = map[string]wire{
	"GET /": {},
	"GET /api/products?category=shoes&page=1": {},
	"POST /api/login":                         {`{"user":"ada"}`, "application/json"},
	"POST /api/cart/items":                    {`{"sku":"sku-42","qty":1}`, "application/json"},
	"GET /api/cart":                           {},
	"POST /api/checkout":                      {`{"pay":"card"}`, "application/json"},
}

// replayShop answers the recording's requests and logs what it saw, per
// session cookie; the login hands out a new session each time.
type replayShop struct {
	recorded map[string]wire

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
	want, ok := s.recorded[key]
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
	case "POST /api/cart/items", "POST /api/checkout":
		w.WriteHeader(http.StatusCreated)
	case "POST /v1/collect":
		w.WriteHeader(http.StatusNoContent)
	}
}

// TestImportHARRuns imports each recording, points its origins at loopback
// servers, runs it, and checks every request the servers saw against the
// recording: method, path and query, body, headers, and the login's session
// cookie carried by the later requests of the same journey.
func TestImportHARRuns(t *testing.T) {
	needStepsSchema(t)
	for _, tc := range []struct {
		file      string
		recorded  map[string]wire
		origin    string // the recording's target
		thirdPart string // another origin it called, or ""
		think     string
		after     []string // the requests after the login, in order
	}{
		{"../har/testdata/chromium.har", chromiumHAR, "http://127.0.0.1:44295", "", "think_time: 700ms",
			[]string{"POST /api/cart/items", "GET /api/cart", "POST /api/checkout"}},
		{recording, shopHAR, "http://127.0.0.1:8080", "https://events.shop-analytics.example", "think_time: 2.5s",
			[]string{"POST /api/cart/items", "GET /api/cart", "POST /checkout"}},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			shop := &replayShop{recorded: tc.recorded, seen: map[string]int{}, sessions: map[string][]string{}}
			srv := httptest.NewServer(shop)
			defer srv.Close()
			other := httptest.NewServer(shop)
			defer other.Close()
			_, scenario, _ := slocheck(t, "import", "har", tc.file)
			for _, want := range []string{tc.origin, tc.think, tc.thirdPart} {
				if !strings.Contains(scenario, want) {
					t.Fatalf("the imported scenario lacks %q:\n%s", want, scenario)
				}
			}
			// Only the addresses and the think time change: the recorded
			// pauses would make one journey outlast the run.
			r := []string{tc.origin, srv.URL, tc.think, "think_time: 20ms"}
			if tc.thirdPart != "" {
				r = append(r, tc.thirdPart, other.URL)
			}
			replayRun(t, shop, strings.NewReplacer(r...).Replace(scenario), tc.after)
		})
	}
}

// replayRun runs scenario for 4 s and checks what shop saw.
func replayRun(t *testing.T, shop *replayShop, scenario string, after []string) {
	t.Helper()
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
	for key := range shop.recorded {
		total += shop.seen[key]
		if shop.seen[key] == 0 {
			t.Errorf("the shop never saw %s", key)
		}
	}
	checkSessions(t, shop, after)
	r := readReport(t, out)
	t.Logf("the shops saw %v (%d requests, %d sessions); the report: %d successes", shop.seen, total, shop.issued, r.Successes)
	if r.Failures != 0 || r.Successes == 0 || r.Successes > uint64(total) {
		t.Errorf("report: %d successes, %d failures; the shops saw %d requests", r.Successes, r.Failures, total)
	}
}

// checkSessions: each session a login issued was carried by one journey's
// later requests, in the recorded order (a prefix of it when the run ended
// mid-journey), and at least one journey got to its checkout.
func checkSessions(t *testing.T, shop *replayShop, after []string) {
	t.Helper()
	complete := 0
	for sid, keys := range shop.sessions {
		// The third-party server is on the same loopback host, and cookies
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
