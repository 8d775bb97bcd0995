package runner

import (
	"context"
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

	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// ownShop is a loopback shop with its own API (not the reference shop's):
// a login that sets a session cookie, a cart whose id comes back in a header
// and goes into the next request's path, an order whose id is in a JSON
// body, and orders read back by id. It logs every request it saw.
type ownShop struct {
	mu       sync.Mutex
	n        int
	sessions map[string]string // session -> user
	carts    map[string]string // cart -> session
	orders   map[string]bool
	seen     []string // "METHOD path body cookie" of the journey requests
	readback []string // "id region" of the read-back GETs
	bad      []string
}

func (s *ownShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	w.Header().Set("X-Served-By", "east")
	switch {
	case r.URL.Path == "/health" || r.URL.Path == "/fault":
		return
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/orders/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/orders/")
		s.readback = append(s.readback, id+" "+r.URL.Query().Get("region"))
		if !s.orders[id] {
			w.WriteHeader(http.StatusNotFound)
		}
		return
	}
	s.seen = append(s.seen, fmt.Sprintf("%s %s %s %s", r.Method, r.URL.Path, body, r.Header.Get("Cookie")))
	c, _ := r.Cookie("sid")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v2/session":
		sid := fmt.Sprintf("sid%d", s.n)
		s.sessions[sid] = strings.TrimSuffix(strings.TrimPrefix(string(body), `{"user":"`), `"}`)
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid})
		w.WriteHeader(http.StatusCreated)
	case c == nil || s.sessions[c.Value] == "":
		s.bad = append(s.bad, "no session: "+s.seen[len(s.seen)-1])
		w.WriteHeader(http.StatusUnauthorized)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v2/basket":
		cart := fmt.Sprintf("b%d", s.n)
		s.carts[cart] = c.Value
		w.Header().Set("X-Basket", cart)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/v2/basket/") && strings.HasSuffix(r.URL.Path, "/purchase"):
		cart := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v2/basket/"), "/purchase")
		if s.carts[cart] != c.Value {
			s.bad = append(s.bad, "basket of another session: "+s.seen[len(s.seen)-1])
			w.WriteHeader(http.StatusConflict)
			return
		}
		id := fmt.Sprintf("ord-%d", s.n)
		s.orders[id] = true
		w.WriteHeader(http.StatusAccepted)
		_, _ = fmt.Fprintf(w, `{"purchase":{"order":%q}}`, id)
	default:
		s.bad = append(s.bad, "unknown: "+s.seen[len(s.seen)-1])
		w.WriteHeader(http.StatusNotFound)
	}
}

const ownShopScenario = `name: own-shop
target:
  url: %[1]s
  regions: [east, west]
load:
  rate: 30
  duration: 5s
  client_regions: {us: 1}
  steps:
    - name: login
      method: POST
      url: /api/v2/session
      body: '{"user":"{{data.user}}"}'
      success: [201]
    - name: basket
      method: POST
      url: /api/v2/basket
      extract:
        basket: {header: X-Basket}
    - name: purchase
      method: POST
      url: /api/v2/basket/{{basket}}/purchase
      body: '{"user":"{{data.user}}","n":{{journey}}}'
      success: [202]
      write:
        id: {json: purchase.order}
        readback_url: "%[1]s/api/orders/{{id}}?region={{region}}"
  data: {file: users.csv}
  journeys:
    - {name: buy, steps: [login, basket, purchase]}
faults:
  - name: east-out
    at: 2s
    for: 2s
    injector: http
    region: east
    http: {inject_url: "%[1]s/fault", heal_url: "%[1]s/fault"}
`

// TestOwnShopRun runs a scenario of a shop's own steps through Run and
// checks every request the shop saw (method, path, body, cookie), the
// order ids recorded for read-back, and the RPO read-back through the
// step's readback_url (the shop's own log of read-back GETs).
func TestOwnShopRun(t *testing.T) {
	shop := &ownShop{sessions: map[string]string{}, carts: map[string]string{}, orders: map[string]bool{}}
	srv := httptest.NewServer(shop)
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte("user\nann\nbob\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "own.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(ownShopScenario, srv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	if _, err := Run(context.Background(), s, Options{OutDir: out}); err != nil {
		t.Fatalf("run: %v", err)
	}
	run, err := results.ReadFile(filepath.Join(out, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	shop.mu.Lock()
	defer shop.mu.Unlock()
	checkOwnShopRequests(t, shop)
	if got := fmt.Sprint(run.Header.Steps, run.Header.WriteSteps); got != "[login basket purchase] [purchase]" {
		t.Errorf("stream header steps, write steps: %s", got)
	}
	var acked []string
	for _, w := range run.Writes {
		if w.Region != "east" || w.ClientRegion != "us" || !shop.orders[w.ID] {
			t.Errorf("acked write %+v: want one of the shop's orders, acknowledged by east (served-by)", w)
		}
		acked = append(acked, w.ID)
	}
	if len(acked) != len(shop.orders) {
		t.Errorf("%d acked writes recorded, the shop took %d orders", len(acked), len(shop.orders))
	}
	// The read-back: after the fault, from the survivor (west), through the
	// step's template; every GET the shop logged is a recorded read-back.
	var recorded []string
	for _, rb := range run.Readbacks {
		if !rb.Found || rb.Region != "west" || !slices.Contains(acked, rb.ID) {
			t.Errorf("read-back %+v: want a found, recorded write read from west", rb)
		}
		recorded = append(recorded, rb.ID+" "+rb.Region)
	}
	slices.Sort(recorded)
	slices.Sort(shop.readback)
	if len(recorded) == 0 || !slices.Equal(recorded, shop.readback) {
		t.Errorf("read-backs recorded %v, the shop's log of read-back GETs %v", recorded, shop.readback)
	}
	t.Logf("%d requests, %d orders, %d read back", len(shop.seen), len(shop.orders), len(shop.readback))
}

// checkOwnShopRequests checks every journey request the shop saw: each
// journey a login without a cookie, then its basket and purchase with the
// session cookie its login set, the purchase at its basket's path.
func checkOwnShopRequests(t *testing.T, shop *ownShop) {
	t.Helper()
	if len(shop.bad) > 0 {
		t.Fatalf("the shop refused %d requests, first: %s", len(shop.bad), shop.bad[0])
	}
	logins, purchases := 0, 0
	for _, r := range shop.seen {
		f := strings.SplitN(r, " ", 4)
		switch {
		case f[1] == "/api/v2/session":
			logins++
			if f[0] != "POST" || (f[2] != `{"user":"ann"}` && f[2] != `{"user":"bob"}`) || f[3] != "" {
				t.Errorf("login %q: want POST with a data row's user and no cookie", r)
			}
		case f[1] == "/api/v2/basket":
			if f[0] != "POST" || f[2] != "" || !strings.HasPrefix(f[3], "sid=sid") {
				t.Errorf("basket %q: want POST, no body, the session cookie", r)
			}
		default:
			purchases++
			cart := strings.TrimSuffix(strings.TrimPrefix(f[1], "/api/v2/basket/"), "/purchase")
			sid := strings.TrimPrefix(strings.Fields(f[3])[len(strings.Fields(f[3]))-1], "sid=")
			if f[0] != "POST" || shop.carts[cart] != sid || !strings.HasPrefix(f[2], `{"user":"`+shop.sessions[sid]+`","n":`) {
				t.Errorf("purchase %q: want POST to the session's basket with its user", r)
			}
		}
	}
	if logins == 0 || purchases != logins || len(shop.orders) != purchases {
		t.Errorf("%d logins, %d purchases, %d orders: want every journey whole", logins, purchases, len(shop.orders))
	}
}
