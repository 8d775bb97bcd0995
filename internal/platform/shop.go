package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slocheck/slocheck/internal/httpapi"
)

// ServedByHeader names the region that served a response. The shop sets it on
// every response; the front door passes it through.
const ServedByHeader = "X-Served-By"

// maxBody bounds request bodies the shop and the admin API read.
const maxBody = 1 << 20

// ShopConfig configures one region's shop.
type ShopConfig struct {
	Region  string
	Service map[string]ServiceTime // endpoint → service time; nil or empty means none
	Seed    uint64
	// Orders, when not nil, keeps the orders (a database); nil means the
	// shop's own in-memory store.
	Orders OrderStore
}

// Shop is one region's shop service: an http.Handler with the endpoints
// GET /catalog, GET /products/{id}, POST /cart, POST /checkout,
// GET /orders/{id}, GET /health (with the store as a dependency) and GET
// /livez (the process alone). Every response carries X-Served-By.
type Shop struct {
	region string
	store  OrderStore
	svc    *sampler
	mux    *http.ServeMux
	fault  atomic.Pointer[activeFault]
	timers *timerGauge // the platform's; nil for a shop served alone
}

// activeFault is a fault as a shop's request path applies it.
type activeFault struct {
	Fault
	release chan struct{} // blackhole: closed on heal
}

// NewShop returns a shop for one region alone, with its own store and no
// replication (what `slocheck shop` serves).
func NewShop(cfg ShopConfig) (*Shop, error) {
	if !nameRE().MatchString(cfg.Region) {
		return nil, fmt.Errorf("new shop: region %q: want lowercase letters, digits and dashes", cfg.Region)
	}
	var st OrderStore = newStore([]string{cfg.Region}, 0, UnreplicatedLate)
	if cfg.Orders != nil {
		st = cfg.Orders
	}
	return newShop(cfg.Region, st, newSampler(cfg.Seed, cfg.Region, cfg.Service)), nil
}

func newShop(region string, st OrderStore, svc *sampler) *Shop {
	s := &Shop{region: region, store: st, svc: svc, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /catalog", s.catalog)
	s.mux.HandleFunc("GET /products/{id}", s.product)
	s.mux.HandleFunc("POST /cart", s.cart)
	s.mux.HandleFunc("POST /checkout", s.checkout)
	s.mux.HandleFunc("GET /orders/{id}", s.order)
	s.mux.HandleFunc("GET /health", s.health)
	s.mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) { // the process alone, for liveness probes
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "region": s.region})
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s: the shop serves GET /catalog, GET /products/{id}, POST /cart, POST /checkout, GET /orders/{id}, GET /health, GET /livez", r.Method, r.URL.Path))
	})
	return s
}

// Region is the region the shop serves.
func (s *Shop) Region() string { return s.region }

// ServeHTTP serves the shop, applying the region's active fault first.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(ServedByHeader, s.region)
	if !s.applyFault(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// applyFault applies the active fault; false means the request was answered
// (or abandoned) by the fault.
func (s *Shop) applyFault(w http.ResponseWriter, r *http.Request) bool {
	f := s.fault.Load()
	if f == nil {
		return true
	}
	switch f.Mode {
	case ModeBlackhole:
		select {
		case <-f.release: // healed: answer as if the packets finally got through
			return true
		case <-r.Context().Done():
			return false
		}
	case ModeErrors:
		if s.svc.coin(f.ratio()) {
			writeError(w, http.StatusServiceUnavailable, "injected fault "+f.Name())
			return false
		}
	case ModeSlow:
		return s.timers.sleep(r.Context(), time.Duration(f.LatencyMS)*time.Millisecond)
	}
	return true
}

func (s *Shop) serviceTime(r *http.Request, endpoint string) bool {
	return s.timers.sleep(r.Context(), s.svc.draw(endpoint))
}

// Product is one catalog entry.
type Product struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// CatalogSize is how many products the shop's fixed catalog holds: ids
// p-001 to p-020 (the ids the driver's reference product step asks for).
const CatalogSize = 20

// catalog is the shop's fixed catalog.
var catalog = func() []Product {
	ps := make([]Product, CatalogSize)
	for i := range ps {
		ps[i] = Product{ID: fmt.Sprintf("p-%03d", i+1), Name: fmt.Sprintf("Product %d", i+1), Price: 9.99 + float64(i)*5}
	}
	return ps
}()

func (s *Shop) catalog(w http.ResponseWriter, r *http.Request) {
	if s.serviceTime(r, EndpointCatalog) {
		writeJSON(w, http.StatusOK, catalog)
	}
}

func (s *Shop) product(w http.ResponseWriter, r *http.Request) {
	if !s.serviceTime(r, EndpointProduct) {
		return
	}
	id := r.PathValue("id")
	for _, p := range catalog {
		if p.ID == id {
			writeJSON(w, http.StatusOK, p)
			return
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("no product %q: ids run from p-001 to p-%03d", id, len(catalog)))
}

func (s *Shop) cart(w http.ResponseWriter, r *http.Request) {
	items, ok := readItems(w, r)
	if !ok || !s.serviceTime(r, EndpointCart) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"region": s.region, "items": items})
}

// ackJSON is POST /checkout's answer (the id/region/acked of results.AckedWrite).
type ackJSON struct {
	ID     string    `json:"id"`
	Region string    `json:"region"`
	Acked  time.Time `json:"acked"`
}

func (s *Shop) checkout(w http.ResponseWriter, r *http.Request) {
	items, ok := readItems(w, r)
	if !ok || !s.serviceTime(r, EndpointCheckout) {
		return
	}
	o, err := s.store.PutOrder(r.Context(), s.region, items)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, ackJSON{ID: o.ID, Region: o.Region, Acked: o.Acked})
}

func (s *Shop) order(w http.ResponseWriter, r *http.Request) {
	if !s.serviceTime(r, EndpointOrder) {
		return
	}
	o, found, err := s.store.GetOrder(r.Context(), s.region, r.PathValue("id"))
	switch {
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case !found:
		writeError(w, http.StatusNotFound, fmt.Sprintf("no order %q in region %s", r.PathValue("id"), s.region))
	default:
		writeJSON(w, http.StatusOK, o)
	}
}

func (s *Shop) health(w http.ResponseWriter, r *http.Request) {
	if !s.serviceTime(r, EndpointHealth) {
		return
	}
	dep := s.store.Check(r.Context())
	status, code := "ok", http.StatusOK
	if dep.Status != DependencyOK {
		status, code = "unavailable", http.StatusServiceUnavailable // the front door takes the region out
	}
	writeJSON(w, code, healthJSON{Status: status, Region: s.region, Dependencies: []Dependency{dep}})
}

// healthJSON is GET /health's answer.
type healthJSON struct {
	Status       string       `json:"status"` // ok | unavailable
	Region       string       `json:"region"`
	Dependencies []Dependency `json:"dependencies"`
}

// readItems reads an optional JSON body (any JSON value, kept as the order's
// items). An empty body is fine; malformed JSON is a 400.
func readItems(w http.ResponseWriter, r *http.Request) (json.RawMessage, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return nil, false
	}
	if len(b) == 0 {
		return nil, true
	}
	if !json.Valid(b) {
		writeError(w, http.StatusBadRequest, "malformed JSON body: want a JSON value such as {\"items\": [{\"product_id\": \"p-001\", \"quantity\": 1}]}")
		return nil, false
	}
	return json.RawMessage(b), true
}

// ServeShop serves shop on l until ctx is done, then shuts down gracefully:
// it stops accepting, lets requests in flight finish within grace, and
// returns nil after a clean stop. (A request whose headers were still being
// read when shutdown began is dropped: net/http serves only requests that had
// reached their handler.)
func ServeShop(ctx context.Context, l net.Listener, shop *Shop, grace time.Duration) error {
	return serveGraceful(ctx, l, shop, "shop "+shop.region, grace)
}

func serveGraceful(ctx context.Context, l net.Listener, h http.Handler, name string, grace time.Duration) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve %s: %w", name, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down %s: %w", name, err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", name, err)
	}
	return nil
}

// sampler draws service times and error coins from a seeded source.
type sampler struct {
	mu    sync.Mutex
	rng   *rand.Rand
	times map[string]ServiceTime
}

func newSampler(seed uint64, region string, times map[string]ServiceTime) *sampler {
	h := fnv.New64a()
	h.Write([]byte(region))
	return &sampler{rng: rand.New(rand.NewPCG(seed, h.Sum64())), times: times}
}

// draw returns a service time for endpoint: log-normal around its median.
func (s *sampler) draw(endpoint string) time.Duration {
	st := s.times[endpoint]
	if st.Median <= 0 {
		return 0
	}
	s.mu.Lock()
	z := s.rng.NormFloat64()
	s.mu.Unlock()
	return time.Duration(float64(st.Median) * math.Exp(st.Sigma*z))
}

// coin returns true with probability p.
func (s *sampler) coin(p float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < p
}

// sleepCtx sleeps d or until ctx is done; it reports whether it slept fully.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// The platform's answers follow every slocheck API's conventions (internal/httpapi).
var (
	writeJSON  = httpapi.WriteJSON
	writeError = httpapi.WriteError
)
