package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/httpapi"
)

// ErrAdminToken is returned by Start when the admin API would listen off
// loopback without a bearer token.
var ErrAdminToken = errors.New("admin API off loopback needs a bearer token")

// checkAdminAddr refuses an admin address off loopback without a token.
func checkAdminAddr(addr, token string) error {
	if token != "" || isLoopback(listenAddr(addr)) {
		return nil
	}
	return fmt.Errorf("%w: %q is not a loopback address; set --admin-token or SLOCHECK_ADMIN_TOKEN", ErrAdminToken, addr)
}

// isLoopback reports whether a listen address binds only loopback.
var isLoopback = httpapi.IsLoopback

func (p *Platform) startAdmin() error {
	l, err := net.Listen("tcp", listenAddr(p.cfg.AdminAddr))
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	p.adminU = "http://" + l.Addr().String()
	p.admin = &http.Server{Handler: p.AdminHandler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog}
	go p.admin.Serve(l)
	return nil
}

// AdminHandler returns the admin HTTP API of DESIGN.md §4: GET /state,
// POST /faults, DELETE /faults/{region}, GET /events and
// GET /orders/{id}?region=R. With a token configured, every request needs
// "Authorization: Bearer <token>".
func (p *Platform) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/state", only(http.MethodGet, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, p.State()) }))
	mux.HandleFunc("/faults", only(http.MethodPost, p.postFault))
	mux.HandleFunc("/faults/{region}", only(http.MethodDelete, p.deleteFault))
	mux.HandleFunc("/events", only(http.MethodGet, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, p.Events()) }))
	mux.HandleFunc("/orders/{id}", only(http.MethodGet, p.getOrder))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no admin endpoint %s %s: want GET /state, POST /faults, DELETE /faults/{region}, GET /events, GET /orders/{id}?region=R", r.Method, r.URL.Path))
	})
	return httpapi.RequireBearer(p.cfg.AdminToken, mux, "missing or wrong bearer token: send the header Authorization: Bearer <token> with the platform's --admin-token")
}

// only answers 405 with a JSON error to any method but m.
func only(m string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m {
			w.Header().Set("Allow", m)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s: want %s", r.Method, r.URL.Path, m))
			return
		}
		h(w, r)
	}
}

// faultRequest is POST /faults' body.
type faultRequest struct {
	Region    string   `json:"region"`
	Mode      Mode     `json:"mode"`
	Ratio     *float64 `json:"ratio"`
	LatencyMS int      `json:"latency_ms"`
}

func (p *Platform) postFault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if err := decodeStrict(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := Fault{Region: req.Region, Mode: req.Mode, Ratio: req.Ratio, LatencyMS: req.LatencyMS}
	active := p.activeSame(f)
	at, err := p.Inject(f)
	if err != nil {
		writeError(w, faultStatus(err), err.Error())
		return
	}
	f.Injected = at
	if f.Ratio == nil && f.Mode == ModeErrors {
		one := 1.0
		f.Ratio = &one
	}
	status := http.StatusCreated
	if active {
		status = http.StatusOK // idempotent repeat: the fault as first injected
	}
	writeJSON(w, status, f)
}

// activeSame reports whether f is already the region's active fault.
func (p *Platform) activeSame(f Fault) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, ok := p.faults[f.Region]
	return ok && cur.same(f)
}

// decodeStrict decodes one JSON object with no unknown fields.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	const want = `want {"region": "eastus", "mode": "down|blackhole|errors|slow|replication-cut", "ratio": 1.0, "latency_ms": 0}`
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON: %v; %s", err, want)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("malformed JSON: data after the object; %s", want)
	}
	return nil
}

func faultStatus(err error) int {
	switch {
	case errors.Is(err, ErrFaultActive):
		return http.StatusConflict
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrUnknownRegion), errors.Is(err, ErrUnknownMode), errors.Is(err, ErrBadFault):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// healJSON is DELETE /faults/{region}'s answer.
type healJSON struct {
	Region string    `json:"region"`
	Healed time.Time `json:"healed,omitzero"`
	Fault  *Fault    `json:"fault,omitempty"` // the fault healed; absent when none was active
}

func (p *Platform) deleteFault(w http.ResponseWriter, r *http.Request) {
	region := r.PathValue("region")
	var healed *Fault
	for _, f := range p.Faults() {
		if f.Region == region {
			healed = &f
		}
	}
	at, err := p.Heal(region)
	if errors.Is(err, ErrUnknownRegion) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if at.IsZero() {
		healed = nil
	}
	writeJSON(w, http.StatusOK, healJSON{Region: region, Healed: at, Fault: healed})
}

func (p *Platform) getOrder(w http.ResponseWriter, r *http.Request) {
	id, region := r.PathValue("id"), r.URL.Query().Get("region")
	if region == "" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("missing query parameter region: want ?region= one of %v", p.cfg.Regions))
		return
	}
	o, ok, err := p.Order(id, region)
	switch {
	case err != nil:
		writeError(w, faultStatus(err), err.Error())
	case !ok:
		writeError(w, http.StatusNotFound, fmt.Sprintf("no order %q in region %s", id, region))
	default:
		writeJSON(w, http.StatusOK, o)
	}
}

// State is GET /state: regions, their health as each edge sees it, active
// faults, edges.
type State struct {
	Regions map[string]RegionState `json:"regions"`
	Edges   map[string]EdgeState   `json:"edges"`
	Faults  []Fault                `json:"faults"`
}

// RegionState is one region in State.
type RegionState struct {
	URL          string `json:"url"`
	Fault        *Fault `json:"fault,omitempty"`
	Orders       int    `json:"orders"`       // orders its store holds
	Unreplicated int    `json:"unreplicated"` // of its own, not yet in every other region
}

// EdgeState is one edge in State.
type EdgeState struct {
	URL       string                 `json:"url"`
	RoutingTo []string               `json:"routing_to"` // origins the next requests go to
	Origins   map[string]OriginState `json:"origins"`
	Requests  uint64                 `json:"requests"` // requests received since the platform started
	Failed    uint64                 `json:"failed"`   // of them, answered with a status >= 500 or 429
}

// OriginState is one origin as one edge sees it.
type OriginState struct {
	Healthy    bool      `json:"healthy"`
	Successes  int       `json:"successes"` // of the last SampleSize probes
	SampleSize int       `json:"sample_size"`
	Required   int       `json:"required"`
	DelayMS    float64   `json:"delay_ms"` // one-way WAN delay
	LastProbe  time.Time `json:"last_probe,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
}

// State returns the platform's state.
func (p *Platform) State() State {
	st := State{Regions: map[string]RegionState{}, Edges: map[string]EdgeState{}, Faults: p.Faults()}
	for name, r := range p.regions {
		rs := RegionState{URL: "http://" + r.address()}
		rs.Orders, rs.Unreplicated = p.store.counts(name)
		for _, f := range st.Faults {
			if f.Region == name {
				rs.Fault = &f
			}
		}
		st.Regions[name] = rs
	}
	for name, e := range p.edges {
		es := EdgeState{URL: e.url, Origins: map[string]OriginState{}, Requests: e.received.Load(), Failed: e.failed.Load()}
		for _, o := range e.origins {
			es.Origins[o.region] = o.state(e.probe)
			if es.Origins[o.region].Healthy && len(es.RoutingTo) == 0 {
				es.RoutingTo = []string{o.region}
			}
		}
		if len(es.RoutingTo) == 0 {
			for _, o := range e.origins {
				es.RoutingTo = append(es.RoutingTo, o.region)
			}
		}
		st.Edges[name] = es
	}
	return st
}

func (o *origin) state(ps ProbeSettings) OriginState {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, s := range o.window {
		if s {
			n++
		}
	}
	return OriginState{Healthy: o.healthy, Successes: n, SampleSize: ps.SampleSize, Required: ps.SuccessfulSamples,
		DelayMS: float64(o.delay) / float64(time.Millisecond), LastProbe: o.lastProbe, LastError: strings.TrimSpace(o.lastErr)}
}
