package platformfault_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/platformfault"
	"github.com/slocheck/slocheck/results"
)

// admin is a fake of the platform's admin API (DESIGN.md §4) with knobs: it
// keeps one fault per region, answers a repeated POST with the fault as first
// injected, refuses a different fault in a busy region (409), and can fail
// the next DELETEs.
type admin struct {
	*httptest.Server
	token string

	mu         sync.Mutex
	faults     map[string]platformfault.ActiveFault
	bodies     []string // raw POST bodies
	log        []string // "METHOD path auth"
	failDelete int      // DELETEs still to answer 503
}

func newAdmin(t *testing.T, token string) *admin {
	a := &admin{token: token, faults: map[string]platformfault.ActiveFault{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /faults", a.post)
	mux.HandleFunc("DELETE /faults/{region}", a.delete)
	mux.HandleFunc("GET /state", a.state)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.log = append(a.log, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		a.mu.Unlock()
		if a.token != "" && r.Header.Get("Authorization") != "Bearer "+a.token {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(a.Close)
	return a
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

var regions = map[string]bool{"eastus": true, "westeurope": true}

func (a *admin) post(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var f platformfault.ActiveFault
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || !f.Injected.IsZero() {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("malformed JSON: %v", err)})
		return
	}
	if !regions[f.Region] {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown region " + f.Region})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bodies = append(a.bodies, string(b))
	if cur, ok := a.faults[f.Region]; ok {
		if cur.Mode != f.Mode {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "another fault is active in the region: " + cur.Region + "-" + cur.Mode})
			return
		}
		writeJSON(w, http.StatusOK, cur)
		return
	}
	f.Injected = time.Now().Add(-2 * time.Millisecond).UTC().Round(time.Millisecond) // the platform's own clock
	a.faults[f.Region] = f
	writeJSON(w, http.StatusCreated, f)
}

func (a *admin) delete(w http.ResponseWriter, r *http.Request) {
	region := r.PathValue("region")
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failDelete > 0 {
		a.failDelete--
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "restarting region"})
		return
	}
	if !regions[region] {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown region " + region})
		return
	}
	delete(a.faults, region)
	writeJSON(w, http.StatusOK, map[string]any{"region": region, "healed": time.Now().UTC()})
}

func (a *admin) state(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := platformfault.State{Regions: map[string]platformfault.RegionState{}, Faults: []platformfault.ActiveFault{}}
	for name := range regions {
		rs := platformfault.RegionState{URL: "http://127.0.0.1/" + name}
		if f, ok := a.faults[name]; ok {
			rs.Fault = &f
			st.Faults = append(st.Faults, f)
		}
		st.Regions[name] = rs
	}
	writeJSON(w, http.StatusOK, st)
}

func (a *admin) active() map[string]platformfault.ActiveFault {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]platformfault.ActiveFault{}
	for k, v := range a.faults {
		out[k] = v
	}
	return out
}

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func newPlatform(t *testing.T, spec chaos.PlatformSpec, getenv func(string) string) *platformfault.Platform {
	t.Helper()
	p, err := platformfault.New(spec, getenv)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInjectUsesThePlatformsInstantAndIsIdempotent(t *testing.T) {
	a := newAdmin(t, "")
	p := newPlatform(t, chaos.PlatformSpec{Admin: a.URL, Region: "eastus", Mode: "errors", Ratio: 0.5}, env(nil))
	f1, err := p.Inject(context.Background())
	if err != nil {
		t.Fatalf("Inject: %v", err)
	}
	want := a.active()["eastus"].Injected
	if !f1.Injected.Equal(want) || f1.Undo != "DELETE "+a.URL+"/faults/eastus" {
		t.Fatalf("fault %+v; want the platform's instant %v", f1, want)
	}
	f2, err := p.Inject(context.Background())
	if err != nil || !f2.Injected.Equal(f1.Injected) {
		t.Fatalf("second Inject: %+v, %v; want the same fault", f2, err)
	}
	if got := a.bodies; len(got) != 2 || got[0] != `{"region":"eastus","mode":"errors","ratio":0.5}` {
		t.Fatalf("POST bodies %q", got)
	}
	for range 2 {
		if err := p.Heal(context.Background()); err != nil {
			t.Fatalf("Heal: %v", err)
		}
	}
	if len(a.active()) != 0 {
		t.Fatalf("faults left: %+v", a.active())
	}
}

func TestSlowSendsItsLatencyAndDownOmitsDefaults(t *testing.T) {
	a := newAdmin(t, "")
	slow := newPlatform(t, chaos.PlatformSpec{Admin: a.URL, Region: "westeurope", Mode: "slow", LatencyMS: 250}, env(nil))
	down := newPlatform(t, chaos.PlatformSpec{Admin: a.URL + "/", Region: "eastus", Mode: "down"}, env(nil))
	for _, p := range []*platformfault.Platform{slow, down} {
		if _, err := p.Inject(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{`{"region":"westeurope","mode":"slow","latency_ms":250}`, `{"region":"eastus","mode":"down"}`}
	for i, w := range want {
		if a.bodies[i] != w {
			t.Errorf("body %d = %s, want %s", i, a.bodies[i], w)
		}
	}
}

func TestAdminErrorsCarryTheAPIMessage(t *testing.T) {
	a := newAdmin(t, "")
	down := newPlatform(t, chaos.PlatformSpec{Admin: a.URL, Region: "eastus", Mode: "down"}, env(nil))
	black := newPlatform(t, chaos.PlatformSpec{Admin: a.URL, Region: "eastus", Mode: "blackhole"}, env(nil))
	if _, err := down.Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := black.Inject(context.Background())
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "another fault is active in the region: eastus-down") {
		t.Fatalf("Inject over another fault: %v", err)
	}
	nowhere := newPlatform(t, chaos.PlatformSpec{Admin: a.URL, Region: "mars", Mode: "down"}, env(nil))
	if err := nowhere.Heal(context.Background()); err == nil || !strings.Contains(err.Error(), "unknown region mars") {
		t.Fatalf("Heal of an unknown region: %v", err)
	}
}

func TestModeIsCheckedBeforeAnyRequest(t *testing.T) {
	a := newAdmin(t, "")
	for _, spec := range []chaos.PlatformSpec{
		{Admin: a.URL, Region: "eastus", Mode: "meteor"},
		{Admin: a.URL, Region: "eastus", Mode: "slow"}, // slow without a latency
	} {
		if _, err := newPlatform(t, spec, env(nil)).Inject(context.Background()); err == nil {
			t.Errorf("%+v: injected", spec)
		}
	}
	if len(a.log) != 0 {
		t.Fatalf("requests sent: %v", a.log)
	}
}

func TestBearerTokenComesFromTheEnvironment(t *testing.T) {
	a := newAdmin(t, "t0k3n")
	spec := chaos.PlatformSpec{Admin: a.URL, Region: "eastus", Mode: "down", TokenEnv: "ADMIN_TOKEN"}
	p := newPlatform(t, spec, env(map[string]string{"ADMIN_TOKEN": "t0k3n"}))
	if _, err := p.Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, l := range a.log {
		if !strings.HasSuffix(l, " Bearer t0k3n") {
			t.Errorf("request %q without the token", l)
		}
	}
	if _, err := platformfault.New(spec, env(nil)); err == nil || !strings.Contains(err.Error(), "ADMIN_TOKEN") {
		t.Fatalf("an unset token variable: %v", err)
	}
	noToken := newPlatform(t, chaos.PlatformSpec{Admin: a.URL, Region: "eastus", Mode: "down"}, env(nil))
	if _, err := noToken.Inject(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Inject without the token: %v", err)
	}
	// The spec, as a state file stores it, names the variable, never the token.
	b, _ := json.Marshal(chaos.Spec{Kind: chaos.KindPlatform, Name: "f", Platform: &spec})
	if strings.Contains(string(b), "t0k3n") || !strings.Contains(string(b), `"token_env":"ADMIN_TOKEN"`) {
		t.Fatalf("spec JSON %s", b)
	}
}

func TestHealRetriesThroughTheChaosPolicy(t *testing.T) {
	a := newAdmin(t, "")
	p := newPlatform(t, chaos.PlatformSpec{Admin: a.URL, Region: "eastus", Mode: "down"}, env(nil))
	if _, err := p.Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	a.failDelete = 2
	a.mu.Unlock()
	if err := chaos.Heal(context.Background(), p, chaos.HealPolicy{Attempts: 3, Backoff: time.Millisecond}); err != nil {
		t.Fatalf("Heal: %v", err)
	}
	deletes := 0
	for _, l := range a.log {
		if strings.HasPrefix(l, "DELETE /faults/eastus") {
			deletes++
		}
	}
	if deletes != 3 || len(a.active()) != 0 {
		t.Fatalf("%d DELETEs, faults %v; want 3 and none", deletes, a.active())
	}
}

func TestUnreachableAdminFailsFast(t *testing.T) {
	a := newAdmin(t, "")
	url := a.URL
	a.Close() // nothing listens there now
	p := newPlatform(t, chaos.PlatformSpec{Admin: url, Region: "eastus", Mode: "down", Timeout: results.Duration(time.Second)}, env(nil))
	if _, err := p.Inject(context.Background()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Inject against a closed port: %v; want connection refused", err)
	}
}

func TestStateDecodesTheContract(t *testing.T) {
	a := newAdmin(t, "")
	p := newPlatform(t, chaos.PlatformSpec{Admin: a.URL, Region: "eastus", Mode: "down"}, env(nil))
	if _, err := p.Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := platformfault.NewClient(a.URL, "", env(nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	st, raw, err := c.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Faults) != 1 || st.Faults[0].Mode != "down" || st.Regions["eastus"].Fault == nil || st.Regions["westeurope"].Fault != nil {
		t.Fatalf("state %+v", st)
	}
	if !json.Valid(raw) || !strings.Contains(string(raw), `"mode":"down"`) {
		t.Fatalf("raw state %s", raw)
	}
}

func TestBuildFromSpec(t *testing.T) {
	inj, err := chaos.Build(chaos.Spec{Kind: chaos.KindPlatform, Name: "f", Platform: &chaos.PlatformSpec{Admin: "http://127.0.0.1:1", Region: "eastus"}}, chaos.Env{})
	if _, ok := inj.(*platformfault.Platform); !ok || err != nil {
		t.Fatalf("Build: %T, %v", inj, err)
	}
	for _, s := range []chaos.PlatformSpec{{Admin: "127.0.0.1:1", Region: "eastus"}, {Admin: "http://127.0.0.1:1"}, {Admin: "http://x", Region: "e", Ratio: 2}} {
		if _, err := platformfault.New(s, env(nil)); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}
