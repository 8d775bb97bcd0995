package platform

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

func TestAdminRejectsBadInput(t *testing.T) {
	p := start(t, testConfig(DefaultProbe()))
	admin := p.Describe().Admin
	c := newClient(2 * time.Second)
	order := do(c, "POST", p.Describe().Regions["eastus"]+"/checkout", "")
	if order.status != 201 {
		t.Fatalf("checkout: %d %v", order.status, order.err)
	}
	id := decode[results.AckedWrite](t, order.body).ID

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		says                     []string // the message names what was wrong and what is allowed
	}{
		{"unknown region", "POST", "/faults", `{"region":"mars","mode":"down"}`, 400, []string{`unknown region "mars"`, "eastus westeurope"}},
		{"unknown mode", "POST", "/faults", `{"region":"eastus","mode":"explode"}`, 400, []string{`unknown mode "explode"`, "blackhole", "replication-cut"}},
		{"malformed JSON", "POST", "/faults", `{"region":"eastus",`, 400, []string{"malformed JSON", `"mode"`}},
		{"not an object", "POST", "/faults", `[1,2]`, 400, []string{"malformed JSON"}},
		{"trailing data", "POST", "/faults", `{"region":"eastus","mode":"down"} {}`, 400, []string{"data after the object"}},
		{"unknown field", "POST", "/faults", `{"region":"eastus","mode":"down","colour":"red"}`, 400, []string{"colour"}},
		{"ratio above 1", "POST", "/faults", `{"region":"eastus","mode":"errors","ratio":1.5}`, 400, []string{"ratio 1.5 outside [0, 1]"}},
		{"ratio below 0", "POST", "/faults", `{"region":"eastus","mode":"errors","ratio":-0.1}`, 400, []string{"ratio -0.1 outside [0, 1]"}},
		{"negative latency", "POST", "/faults", `{"region":"eastus","mode":"slow","latency_ms":-5}`, 400, []string{"latency_ms -5"}},
		{"slow without latency", "POST", "/faults", `{"region":"eastus","mode":"slow"}`, 400, []string{"latency_ms > 0"}},
		{"heal unknown region", "DELETE", "/faults/mars", "", 404, []string{`unknown region "mars"`, "eastus"}},
		{"unknown order", "GET", "/orders/nope?region=eastus", "", 404, []string{`no order "nope" in region eastus`}},
		{"order without region", "GET", "/orders/" + id, "", 400, []string{"region", "eastus"}},
		{"order in unknown region", "GET", "/orders/" + id + "?region=mars", "", 400, []string{`unknown region "mars"`}},
		{"wrong method", "PUT", "/state", "", 405, []string{"want GET"}},
		{"unknown path", "GET", "/nope", "", 404, []string{"GET /state"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := do(c, tc.method, admin+tc.path, tc.body)
			if a.status != tc.status {
				t.Fatalf("status %d (%s), want %d", a.status, a.body, tc.status)
			}
			msg := decode[map[string]string](t, a.body)["error"]
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not say %q", msg, s)
				}
			}
		})
	}
	if len(p.Faults()) != 0 {
		t.Errorf("bad requests left faults behind: %v", p.Faults())
	}
	// Nothing in the store is lost by a bad request.
	if a := do(c, "GET", admin+"/orders/"+id+"?region=eastus", ""); a.status != 200 || decode[Order](t, a.body).ID != id {
		t.Errorf("order %s after the bad requests: %d %s", id, a.status, a.body)
	}
}

func TestAdminFaultLifecycle(t *testing.T) {
	p := start(t, testConfig(DefaultProbe()))
	admin := p.Describe().Admin
	c := newClient(2 * time.Second)

	first := do(c, "POST", admin+"/faults", `{"region":"eastus","mode":"errors","ratio":0.25}`)
	again := do(c, "POST", admin+"/faults", `{"region":"eastus","mode":"errors","ratio":0.25}`)
	if first.status != 201 || again.status != 200 {
		t.Fatalf("inject, inject again: %d %d, want 201 200", first.status, again.status)
	}
	f1, f2 := decode[Fault](t, first.body), decode[Fault](t, again.body)
	if f1.Injected.IsZero() || !f1.Injected.Equal(f2.Injected) || *f1.Ratio != 0.25 {
		t.Errorf("idempotent inject: %+v then %+v, want the same fault and instant", f1, f2)
	}
	other := do(c, "POST", admin+"/faults", `{"region":"eastus","mode":"down"}`)
	if other.status != 409 || !strings.Contains(string(other.body), "heal it first") {
		t.Errorf("a second fault in the region: %d %s, want 409", other.status, other.body)
	}
	st := decode[State](t, do(c, "GET", admin+"/state", "").body)
	if len(st.Faults) != 1 || st.Regions["eastus"].Fault == nil || st.Edges["us"].RoutingTo[0] != "eastus" {
		t.Errorf("state: %+v", st)
	}

	heal := do(c, "DELETE", admin+"/faults/eastus", "")
	healAgain := do(c, "DELETE", admin+"/faults/eastus", "")
	h1, h2 := decode[healJSON](t, heal.body), decode[healJSON](t, healAgain.body)
	if heal.status != 200 || h1.Healed.IsZero() || h1.Fault == nil || healAgain.status != 200 || !h2.Healed.IsZero() {
		t.Errorf("heal, heal again: %d %s; %d %s", heal.status, heal.body, healAgain.status, healAgain.body)
	}
	var kinds []string
	for _, ev := range decode[[]results.Event](t, do(c, "GET", admin+"/events", "").body) {
		kinds = append(kinds, string(ev.Kind))
		if ev.Kind == results.EventFaultInjected && !ev.Time.Equal(f1.Injected) {
			t.Errorf("injected event at %v, fault answered %v", ev.Time, f1.Injected)
		}
		if ev.Kind == results.EventFaultHealed && !ev.Time.Equal(h1.Healed) {
			t.Errorf("healed event at %v, heal answered %v", ev.Time, h1.Healed)
		}
	}
	if strings.Join(kinds, ",") != "fault-injected,fault-healed" {
		t.Errorf("events %v, want one injected and one healed", kinds)
	}
}

func TestAdminToken(t *testing.T) {
	cfg := testConfig(DefaultProbe())
	cfg.AdminToken = "s3cret"
	p := start(t, cfg)
	c := newClient(2 * time.Second)
	url := p.Describe().Admin + "/state"
	for _, tc := range []struct {
		name   string
		header []string
		status int
	}{
		{"missing", nil, 401},
		{"wrong", []string{"Authorization", "Bearer guess"}, 401},
		{"not bearer", []string{"Authorization", "s3cret"}, 401},
		{"right", []string{"Authorization", "Bearer s3cret"}, 200},
	} {
		if a := do(c, "GET", url, "", tc.header...); a.status != tc.status {
			t.Errorf("%s token: %d %s, want %d", tc.name, a.status, a.body, tc.status)
		}
	}
	if a := do(c, "POST", p.Describe().Admin+"/faults", `{"region":"eastus","mode":"down"}`); a.status != 401 || len(p.Faults()) != 0 {
		t.Errorf("inject without token: %d, faults %v", a.status, p.Faults())
	}
}

func TestAdminOffLoopbackNeedsToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:7070"} {
		cfg := testConfig(DefaultProbe())
		cfg.AdminAddr = addr
		if _, err := Start(context.Background(), cfg); !errors.Is(err, ErrAdminToken) {
			t.Errorf("admin on %s without token: %v, want ErrAdminToken", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0", "127.0.0.2:7070"} {
		if !isLoopback(addr) {
			t.Errorf("%s: want loopback", addr)
		}
	}
}
