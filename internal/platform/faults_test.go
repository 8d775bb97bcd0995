package platform

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestErrorsFault(t *testing.T) {
	p := start(t, testConfig(DefaultProbe()))
	d := p.Describe()
	c := newClient(2 * time.Second)
	if _, err := p.Inject(Fault{Region: "eastus", Mode: ModeErrors, Ratio: ptr(0.5)}); err != nil {
		t.Fatal(err)
	}
	// 400 draws at p = 0.5: the count of 503s has sd 10; five sd either
	// side fails a correct coin about once in two million runs.
	const n = 400
	failed := 0
	for range n {
		a := do(c, "GET", d.Regions["eastus"]+"/products/p-001", "")
		switch {
		case a.status == 503 && a.servedBy == "eastus":
			failed++
		case a.status != 200:
			t.Fatalf("status %d served by %q", a.status, a.servedBy)
		}
	}
	if failed < n/2-50 || failed > n/2+50 {
		t.Errorf("%d of %d requests failed at ratio 0.5", failed, n)
	}
	if _, err := p.Heal("eastus"); err != nil {
		t.Fatal(err)
	}
	// Ratio 1 through the edge: the edge passes the origin's 503 through,
	// with the origin's X-Served-By (the 2 s probes cannot react this fast).
	if _, err := p.Inject(Fault{Region: "eastus", Mode: ModeErrors}); err != nil {
		t.Fatal(err)
	}
	if a := do(c, "GET", d.Edges["us"]+"/catalog", ""); a.status != 503 || a.servedBy != "eastus" {
		t.Errorf("through the edge: %d served by %q, want 503 from eastus", a.status, a.servedBy)
	}
}

func TestSlowFault(t *testing.T) {
	p := start(t, testConfig(DefaultProbe()))
	eastus := p.Describe().Regions["eastus"]
	c := newClient(2 * time.Second)
	const added = 150 * time.Millisecond
	if _, err := p.Inject(Fault{Region: "eastus", Mode: ModeSlow, LatencyMS: int(added / time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if a := do(c, "GET", eastus+"/health", ""); a.status != 200 || a.latency < added {
			t.Errorf("slow: %d in %v, want 200 after at least %v", a.status, a.latency, added)
		}
	}
	if _, err := p.Heal("eastus"); err != nil {
		t.Fatal(err)
	}
	fastest := time.Hour
	for range 5 {
		fastest = min(fastest, do(c, "GET", eastus+"/health", "").latency)
	}
	if fastest >= added {
		t.Errorf("after heal the fastest of 5 requests took %v", fastest)
	}
}

func TestBlackholeHangsUntilHeal(t *testing.T) {
	p := start(t, testConfig(DefaultProbe()))
	eastus := p.Describe().Regions["eastus"]
	if _, err := p.Inject(Fault{Region: "eastus", Mode: ModeBlackhole}); err != nil {
		t.Fatal(err)
	}
	// The connection is accepted (no refusal), the answer never comes.
	conn, err := net.Dial("tcp", eastus[len("http://"):])
	if err != nil {
		t.Fatalf("blackhole must accept connections: %v", err)
	}
	conn.Close()
	if a := do(newClient(200*time.Millisecond), "GET", eastus+"/health", ""); a.err == nil {
		t.Fatalf("blackhole answered %d", a.status)
	}
	done := make(chan answer)
	go func() { done <- do(newClient(5*time.Second), "GET", eastus+"/health", "") }()
	time.Sleep(100 * time.Millisecond)
	if _, err := p.Heal("eastus"); err != nil {
		t.Fatal(err)
	}
	if a := <-done; a.status != 200 {
		t.Errorf("request hung in the blackhole, after heal: %d %v, want 200", a.status, a.err)
	}
}

func TestInjectRejects(t *testing.T) {
	p := start(t, testConfig(DefaultProbe()))
	for _, tc := range []struct {
		f    Fault
		want error
	}{
		{Fault{Region: "mars", Mode: ModeDown}, ErrUnknownRegion},
		{Fault{Region: "eastus", Mode: "melt"}, ErrUnknownMode},
		{Fault{Region: "eastus", Mode: ModeErrors, Ratio: ptr(2)}, ErrBadFault},
	} {
		if _, err := p.Inject(tc.f); !errors.Is(err, tc.want) {
			t.Errorf("inject %+v: %v, want %v", tc.f, err, tc.want)
		}
	}
	if _, err := p.Heal("mars"); !errors.Is(err, ErrUnknownRegion) {
		t.Errorf("heal mars: %v", err)
	}
	if at, err := p.Heal("eastus"); err != nil || !at.IsZero() {
		t.Errorf("heal with nothing active: %v %v, want a no-op", at, err)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"no regions":         func(c *Config) { c.Regions = nil },
		"duplicate region":   func(c *Config) { c.Regions = []string{"eastus", "eastus"} },
		"bad region name":    func(c *Config) { c.Regions = []string{"East US"} },
		"nearest unknown":    func(c *Config) { c.ClientRegions = map[string]string{"us": "mars"} },
		"zero interval":      func(c *Config) { c.Probe.Interval = 0 },
		"required > sample":  func(c *Config) { c.Probe.SuccessfulSamples = 5 },
		"timeout > interval": func(c *Config) { c.Probe.Timeout = 3 * time.Second },
		"negative lag":       func(c *Config) { c.ReplicationLag = -time.Second },
		"bad unreplicated":   func(c *Config) { c.Unreplicated = "maybe" },
		"unknown endpoint":   func(c *Config) { c.Service = map[string]ServiceTime{"basket": {}} },
	} {
		c := DefaultConfig()
		mutate(&c)
		if _, err := Start(context.Background(), c); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

func TestServeShopGraceful(t *testing.T) {
	shop, err := NewShop(ShopConfig{Region: "eastus", Service: map[string]ServiceTime{EndpointCheckout: {Median: 300 * time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// ServeShop is serveGraceful with the shop; the test's handler also
	// says when the checkout has reached the shop.
	reached := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- struct{}{}
		shop.ServeHTTP(w, r)
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error)
	go func() { served <- serveGraceful(ctx, l, h, "shop eastus", 5*time.Second) }()
	url := "http://" + l.Addr().String()
	inFlight := make(chan answer)
	go func() { inFlight <- do(newClient(5*time.Second), "POST", url+"/checkout", "") }()
	<-reached // the checkout is in its 300 ms of service time
	cancel()
	if a := <-inFlight; a.status != 201 || a.servedBy != "eastus" {
		t.Errorf("checkout in flight at shutdown: %d %q %v, want 201 from eastus", a.status, a.servedBy, a.err)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if a := do(newClient(time.Second), "GET", url+"/health", ""); a.err == nil {
		t.Errorf("after shutdown: %d, want no answer", a.status)
	}
}

func TestShopEndpoints(t *testing.T) {
	shop, err := NewShop(ShopConfig{Region: "westeurope"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ServeShop(ctx, l, shop, time.Second)
	url, c := "http://"+l.Addr().String(), newClient(time.Second)
	ack := do(c, "POST", url+"/checkout", `{"items":[]}`)
	id := decode[map[string]any](t, ack.body)["id"].(string)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/catalog", "", 200},
		{"GET", "/products/p-001", "", 200},
		{"GET", "/products/p-999", "", 404},
		{"POST", "/cart", `{"product_id":"p-001","quantity":2}`, 200},
		{"POST", "/cart", `{"product_id":`, 400},
		{"POST", "/checkout", `not json`, 400},
		{"GET", "/orders/" + id, "", 200},
		{"GET", "/orders/nope", "", 404},
		{"GET", "/health", "", 200},
		{"GET", "/nope", "", 404},
	} {
		a := do(c, tc.method, url+tc.path, tc.body)
		if a.status != tc.status || a.servedBy != "westeurope" {
			t.Errorf("%s %s: %d served by %q, want %d from westeurope", tc.method, tc.path, a.status, a.servedBy, tc.status)
		}
	}
	if ack.status != 201 || decode[Order](t, do(c, "GET", url+"/orders/"+id, "").body).Region != "westeurope" {
		t.Errorf("checkout: %d %s", ack.status, ack.body)
	}
}

func ptr(f float64) *float64 { return &f }
