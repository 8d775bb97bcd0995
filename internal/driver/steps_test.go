package driver

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// ownShop is a loopback shop with an API of its own: a login that sets a
// session cookie and returns a token, a cart whose id comes back in a
// header, items added under the cart's path with the token, and an order
// whose id is in a JSON body. It checks every request against what it
// handed out and logs them by session.
type ownShop struct {
	mu       sync.Mutex
	next     int
	sessions map[string]string   // session -> user
	carts    map[string]string   // cart -> session
	log      map[string][]string // session -> "METHOD path body" in order
	orders   []string            // order ids answered 201
	bad      []string            // requests the shop refused, and why
}

func newOwnShop() *ownShop {
	return &ownShop{sessions: map[string]string{}, carts: map[string]string{}, log: map[string][]string{}}
}

func (s *ownShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	w.Header().Set("X-Served-By", "east")
	refuse := func(why string) {
		s.bad = append(s.bad, fmt.Sprintf("%s %s %s: %s", r.Method, r.URL.Path, body, why))
		w.WriteHeader(http.StatusBadRequest)
	}
	if r.Method == http.MethodPost && r.URL.Path == "/api/login" {
		user := strings.TrimSuffix(strings.TrimPrefix(string(body), `{"user":"`), `"}`)
		if r.Header.Get("Cookie") != "" || r.Header.Get("Content-Type") != "application/json" {
			refuse("login with cookie " + r.Header.Get("Cookie") + " type " + r.Header.Get("Content-Type"))
			return
		}
		sess := fmt.Sprintf("s%d", s.next)
		s.sessions[sess] = user
		s.log[sess] = append(s.log[sess], "POST /api/login "+string(body))
		http.SetCookie(w, &http.Cookie{Name: "session", Value: sess, Path: "/"})
		_, _ = fmt.Fprintf(w, `{"token":"t-%s"}`, user)
		return
	}
	c, err := r.Cookie("session")
	if err != nil || s.sessions[c.Value] == "" {
		refuse("no session")
		return
	}
	sess := c.Value
	user := s.sessions[sess]
	s.log[sess] = append(s.log[sess], r.Method+" "+r.URL.Path+" "+string(body))
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/carts":
		cart := fmt.Sprintf("c%d", s.next)
		s.carts[cart] = sess
		w.Header().Set("X-Cart-Id", cart)
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/carts/"):
		cart := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/carts/"), "/items")
		if s.carts[cart] != sess || r.Header.Get("Authorization") != "Bearer t-"+user || r.Header.Get("X-Session") != sess {
			refuse(fmt.Sprintf("cart %s of %s, auth %q, x-session %q", cart, s.carts[cart], r.Header.Get("Authorization"), r.Header.Get("X-Session")))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && r.URL.Path == "/api/orders":
		order := fmt.Sprintf("o%d", s.next)
		s.orders = append(s.orders, order)
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"order":{"id":%q,"total":12.5}}`, order)
	default:
		refuse("unknown")
	}
}

// ownSteps are the requests of ownShop: json, header and cookie
// extractions; path, header and body templates; a data column.
func ownSteps() []Step {
	return []Step{
		{Name: "login", Method: "POST", URL: "/api/login", Body: `{"user":"{{data.user}}"}`,
			Extract: map[string]Extract{"token": {JSON: "token"}, "sess": {Cookie: "session"}}},
		{Name: "cart", Method: "POST", URL: "/api/carts", Success: []int{201},
			Extract: map[string]Extract{"cart": {Header: "X-Cart-Id"}}},
		{Name: "add", Method: "PUT", URL: "/api/carts/{{cart}}/items", Body: `{"sku":"{{product}}"}`,
			Headers: map[string]string{"Authorization": "Bearer {{token}}", "X-Session": "{{sess}}"}},
		{Name: "order", Method: "POST", URL: "/api/orders", Body: `{"cart":"{{cart}}"}`, Success: []int{201},
			Write: &Write{ID: Extract{JSON: "order.id"}}},
	}
}

func ownConfig(base string) Config {
	return Config{Targets: map[string]string{"us": base}, Rate: 400, Duration: 500 * time.Millisecond,
		Steps: ownSteps(), Data: &Data{Columns: []string{"user"}, Rows: [][]string{{"ann"}, {"bob"}, {"cy"}}},
		Journeys: []Journey{{Name: "buy", Weight: 1, Steps: []string{"login", "cart", "add", "order"}}}}
}

// TestOwnShop drives ownShop on both transports and checks every request
// the shop saw, journey by journey, and the orders recorded for read-back.
func TestOwnShop(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		shop := newOwnShop()
		srv := server(t, shop.ServeHTTP)
		var sink memSink
		st := run(t, ownConfig(srv.URL), &sink)
		shop.mu.Lock()
		defer shop.mu.Unlock()
		if len(shop.bad) > 0 {
			t.Fatalf("the shop refused %d requests, first %s", len(shop.bad), shop.bad[0])
		}
		if errs := countErr(sink.outcomes); errs[results.ErrNone] != len(sink.outcomes) || uint64(len(sink.outcomes)) != st.Sent {
			t.Fatalf("outcomes by kind %v, %d sent", errs, st.Sent)
		}
		if len(shop.log) == 0 || uint64(len(shop.log)) != st.Arrivals {
			t.Fatalf("%d sessions for %d arrivals", len(shop.log), st.Arrivals)
		}
		users := map[string]int{}
		for sess, reqs := range shop.log {
			user := shop.sessions[sess]
			users[user]++
			if len(reqs) != 4 || reqs[0] != `POST /api/login {"user":"`+user+`"}` || reqs[1] != "POST /api/carts " ||
				!strings.HasPrefix(reqs[2], "PUT /api/carts/c") || !strings.Contains(reqs[2], `/items {"sku":"p-0`) ||
				!strings.HasPrefix(reqs[3], `POST /api/orders {"cart":"c`) {
				t.Fatalf("session %s (%s) sent %q", sess, user, reqs)
			}
		}
		if n := int(st.Arrivals); users["ann"] < n/3 || users["bob"] < n/3 || users["cy"] < n/3 {
			t.Fatalf("journeys by user %v of %d: want the rows in turn", users, n)
		}
		var ids []string
		for _, w := range sink.writes {
			if w.Region != "east" || w.ClientRegion != "us" || w.Acked.IsZero() {
				t.Fatalf("write %+v: want region east (served-by), client us, an acked time", w)
			}
			ids = append(ids, w.ID)
		}
		slices.Sort(ids)
		slices.Sort(shop.orders)
		if !slices.Equal(ids, shop.orders) || st.Acked != uint64(len(ids)) {
			t.Fatalf("recorded writes %v (acked %d), the shop's orders %v", ids, st.Acked, shop.orders)
		}
	})
}

// TestDataOrder checks that journeys take the data rows in arrival order
// (sequential) or as the seed draws them (random: repeatable, not in turn),
// from the server's log of {{journey}} and the row's value.
func TestDataOrder(t *testing.T) {
	rows := [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}}
	seen := func(random bool, seed int64) map[int]string {
		var mu sync.Mutex
		users := map[int]string{}
		srv := server(t, func(w http.ResponseWriter, r *http.Request) {
			var j int
			_, _ = fmt.Sscan(r.URL.Query().Get("j"), &j)
			mu.Lock()
			users[j] = r.URL.Query().Get("u")
			mu.Unlock()
		})
		cfg := Config{Targets: map[string]string{"us": srv.URL}, Rate: 100, Duration: 400 * time.Millisecond, Seed: seed,
			Steps: []Step{{Name: "get", URL: "/?u={{data.u}}&j={{journey}}"}}, Data: &Data{Columns: []string{"u"}, Rows: rows, Random: random}}
		run(t, cfg, &memSink{})
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(users)
	}
	seq := seen(false, 1)
	if len(seq) != 40 {
		t.Fatalf("%d journeys, want 40", len(seq))
	}
	for j, u := range seq {
		if want := rows[j%5][0]; u != want {
			t.Fatalf("sequential: journey %d took row %q, want %q (%v)", j, u, want, seq)
		}
	}
	r1, r2 := seen(true, 7), seen(true, 7)
	counts := map[string]int{}
	for _, u := range r1 {
		counts[u]++
	}
	if fmt.Sprint(r1) != fmt.Sprint(r2) || fmt.Sprint(r1) == fmt.Sprint(seq) || len(counts) < 4 {
		t.Fatalf("random with one seed twice: %v and %v; want the same draws, not in turn, most rows", r1, r2)
	}
}

// TestStepErrorKinds checks each per-request error kind of a scenario's own
// steps: a value with no place in a header (template), a value the journey
// does not have (missing), an answer without the value to extract
// (extract), and a status the step does not count (status); and that the
// requests not sent never reach the server.
func TestStepErrorKinds(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		var mu sync.Mutex
		paths := map[string]int{}
		srv := server(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			paths[r.URL.Path]++
			mu.Unlock()
			_, _ = w.Write([]byte(`{"other":1}`))
		})
		steps := []Step{
			{Name: "bad-header", URL: "/h", Headers: map[string]string{"X-User": "{{data.u}}"}},
			{Name: "miss", URL: "/m", Extract: map[string]Extract{"id": {JSON: "id"}}},
			{Name: "use", URL: "/u/{{id}}"},
			{Name: "want201", URL: "/s", Success: []int{201}},
		}
		cfg := Config{Targets: map[string]string{"us": srv.URL}, Rate: 200, Duration: 200 * time.Millisecond,
			Steps: steps, Data: &Data{Columns: []string{"u"}, Rows: [][]string{{"a\r\nX-Evil: 1"}}}}
		var sink memSink
		st := run(t, cfg, &sink)
		byStep := map[string]results.ErrorKind{}
		for _, o := range sink.outcomes {
			if prev, ok := byStep[o.Step]; ok && prev != o.Err {
				t.Fatalf("step %s: kinds %s and %s", o.Step, prev, o.Err)
			}
			byStep[o.Step] = o.Err
		}
		want := map[string]results.ErrorKind{"bad-header": results.ErrTemplate, "miss": results.ErrExtract,
			"use": results.ErrMissing, "want201": results.ErrStatus}
		if fmt.Sprint(byStep) != fmt.Sprint(want) {
			t.Fatalf("kinds by step %v, want %v", byStep, want)
		}
		mu.Lock()
		defer mu.Unlock()
		n := int(st.Arrivals)
		if paths["/h"] != 0 || paths["/m"] != n || paths["/s"] != n || len(paths) != 2 || st.Sent != uint64(2*n) {
			t.Fatalf("server saw %v for %d journeys (%d sent): want no /h, no /u", paths, n, st.Sent)
		}
	})
}

// TestStepsValidate checks that a config's steps are compiled when it is
// validated: syntax, names that name nothing, JSON paths, unknown steps.
func TestStepsValidate(t *testing.T) {
	cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:1"}, Rate: 1, Duration: time.Second,
		Steps: []Step{
			{Name: "a", URL: "/{{oops"},
			{Name: "b", URL: "/{{nothing}}", Extract: map[string]Extract{"x": {JSON: "a..b"}}},
			{Name: "c", URL: "/{{data.col}}", Body: "{{ x }}"},
		},
		Journeys: []Journey{{Weight: 1, Steps: []string{"a", "b", "zz"}}}}
	msg := fmt.Sprint(cfg.Validate())
	for _, want := range []string{"unclosed {{", "{{nothing}} names nothing", `json path "a..b" can never match`,
		"the data has no column", `unknown step "zz"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("Validate: %s\nwant %q in it", msg, want)
		}
	}
}

// TestNoCookies checks that with NoCookies no Cookie header is sent, while
// a {cookie: …} extraction still reads the answer's cookie; and that a
// cookie the server expires leaves the jar.
func TestNoCookies(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		for _, off := range []bool{false, true} {
			var mu sync.Mutex
			var got []string
			srv := server(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.URL.Path+" cookie="+r.Header.Get("Cookie")+" x="+r.Header.Get("X-S"))
				mu.Unlock()
				switch r.URL.Path {
				case "/a":
					http.SetCookie(w, &http.Cookie{Name: "s", Value: "v1"})
					http.SetCookie(w, &http.Cookie{Name: "gone", Value: "x"})
				case "/b":
					http.SetCookie(w, &http.Cookie{Name: "gone", MaxAge: -1})
				}
			})
			cfg := Config{Targets: map[string]string{"us": srv.URL}, Rate: 30, Duration: 100 * time.Millisecond, NoCookies: off,
				Steps: []Step{{Name: "a", URL: "/a", Extract: map[string]Extract{"s": {Cookie: "s"}}},
					{Name: "b", URL: "/b", Headers: map[string]string{"X-S": "{{s}}"}}, {Name: "c", URL: "/c"}}}
			var sink memSink
			run(t, cfg, &sink)
			want := "[/a cookie= x= /b cookie=s=v1; gone=x x=v1 /c cookie=s=v1 x=]"
			if off {
				want = "[/a cookie= x= /b cookie= x=v1 /c cookie= x=]"
			}
			mu.Lock()
			if len(got) != 3 || fmt.Sprint(got) != want {
				t.Errorf("NoCookies %v: server saw %q, want %s", off, got, want)
			}
			mu.Unlock()
		}
	})
}

// TestAbsoluteURLStep checks that a step with an absolute URL goes to its
// own host (with its own client: the run uses the workers), the others to
// the client region's base URL, with the values percent-escaped in the URL.
func TestAbsoluteURLStep(t *testing.T) {
	var mu sync.Mutex
	var got []string
	logTo := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got = append(got, name+" "+r.URL.EscapedPath())
			mu.Unlock()
		}
	}
	base, other := server(t, logTo("base")), server(t, logTo("other"))
	cfg := Config{Targets: map[string]string{"us": base.URL + "/shop/"}, Rate: 20, Duration: 50 * time.Millisecond,
		Steps: []Step{{Name: "a", URL: "/x/{{data.v}}"}, {Name: "b", URL: other.URL + "/y/{{client_region}}"}},
		Data:  &Data{Columns: []string{"v"}, Rows: [][]string{{"a b/c"}}}}
	st, err := Run(context.Background(), cfg, &memSink{})
	if err != nil || st.Transport != TransportWorkers {
		t.Fatalf("Run: %v on %s, want the workers", err, st.Transport)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != "[base /shop/x/a%20b%2Fc other /y/us]" {
		t.Fatalf("requests %q", got)
	}
	got = nil
	mu.Unlock()
	cfg.Steps = cfg.Steps[:1] // a path only: the event loops, under the base URL's path
	st, err = Run(context.Background(), cfg, &memSink{})
	mu.Lock()
	if err != nil || st.Transport != TransportEventLoops || fmt.Sprint(got) != "[base /shop/x/a%20b%2Fc]" {
		t.Fatalf("Run: %v on %s, requests %q", err, st.Transport, got)
	}
}
