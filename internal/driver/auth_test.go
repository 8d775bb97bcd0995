package driver

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/auth"
	"github.com/slocheck/slocheck/results"
)

// rotating is a dynamic header whose value the test replaces mid-run, as a
// token refresh does.
func rotating(name, first string) (auth.Header, func(string)) {
	var v atomic.Pointer[string]
	v.Store(&first)
	return auth.Header{Name: name, Value: func() string { return *v.Load() }}, func(s string) { v.Store(&s) }
}

// TestSecretHeaders checks, on both transports and from the server's own
// log, that every request carries a step's fixed secret header and the
// run's dynamic one, and that the dynamic one is read per send: after the
// server replaces its value, requests carry the new one.
func TestSecretHeaders(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		// The bound below assumes the server sees requests about in the
		// order they were rendered; over https a request rendered for a new
		// connection waits for its handshake, behind later ones on open
		// connections, so it holds only without TLS.
		skipHTTPSVariant(t)
		tok, set := rotating("Authorization", "Bearer one")
		var mu sync.Mutex
		var seen []string
		srv := server(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.URL.Path+" "+r.Header.Get("X-Api-Key")+" "+r.Header.Get("Authorization"))
			if len(seen) == 10 {
				set("Bearer two")
			}
			mu.Unlock()
		})
		cfg := Config{Targets: map[string]string{"us": srv.URL}, Rate: 200, Duration: 400 * time.Millisecond,
			Auth: []auth.Header{tok},
			Steps: []Step{{Name: "a", URL: "/a", Secrets: []auth.Header{auth.Static("X-Api-Key", "k-1")}},
				{Name: "b", Method: "POST", URL: "/b", Body: `{}`}}}
		var sink memSink
		st := run(t, cfg, &sink)
		mu.Lock()
		defer mu.Unlock()
		// A request is rendered when it is sent, and a journey has one
		// request in flight at a time: at most Arrivals requests were sent
		// before the flip and seen after it, so every request the server
		// saw from position 10+Arrivals on carries the new token.
		after := 10 + int(st.Arrivals)
		if errs := countErr(sink.outcomes); errs[results.ErrNone] != len(seen) || uint64(len(seen)) != st.Sent || len(seen) <= after {
			t.Fatalf("outcomes by kind %v, %d sent, the server saw %d: want more than %d", errs, st.Sent, len(seen), after)
		}
		count := map[string]int{}
		for i, s := range seen {
			f := strings.Split(s, " ")
			key := map[string]string{"/a": "k-1", "/b": ""}[f[0]]
			if len(f) != 4 || f[1] != key || f[2] != "Bearer" || (f[3] != "one" && f[3] != "two") {
				t.Fatalf("request %q: want the step's key %q and one of the tokens", s, key)
			}
			if i < 10 && f[3] != "one" || i >= after && f[3] != "two" {
				t.Errorf("request %d of %d carried token %s", i, len(seen), f[3])
			}
			count[f[3]]++
		}
		t.Logf("tokens sent %v", count)
	})
}

// TestSecretHeaderRendering checks that a step with only fixed secrets is
// serialised once, that a dynamic header makes every step render per send,
// and that rendering it allocates nothing.
func TestSecretHeaderRendering(t *testing.T) {
	tok, _ := rotating("Authorization", "Bearer one")
	steps := []Step{{Name: "a", URL: "/a", Secrets: []auth.Header{auth.Static("X-Api-Key", "k-1")}}}
	for _, dynamic := range []bool{false, true} {
		cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:1"}, Rate: 1, Duration: time.Second, Steps: steps}
		if dynamic {
			cfg.Auth = []auth.Header{tok}
		}
		r, err := newRunner(cfg.withDefaults(), discardSink{})
		if err != nil {
			t.Fatal(err)
		}
		rg, cs := r.regions[0], &r.steps[0]
		if (rg.wire[0] == nil) != dynamic || cs.dynamic != dynamic {
			t.Errorf("dynamic %v: serialised once %v", dynamic, rg.wire[0] != nil)
		}
		var st jstate
		var dst, scratch []byte
		render := func() {
			var kind results.ErrorKind
			if dst, scratch, kind = appendRequest(dst[:0], scratch, &st, rg, cs); kind != results.ErrNone {
				t.Fatal(kind)
			}
		}
		if n := testing.AllocsPerRun(100, render); n != 0 {
			t.Errorf("dynamic %v: %v allocations per request", dynamic, n)
		}
		want := "X-Api-Key: k-1\r\n"
		if dynamic {
			want += "Authorization: Bearer one\r\n"
		}
		if !strings.Contains(string(dst), want) {
			t.Errorf("request %q: want %q", dst, want)
		}
	}
}

// TestSecretHeaderErrors checks that a secret header set twice or holding a
// line break is a Validate error that names the header, never the value;
// and that a dynamic value with a line break is a per-request template
// error.
func TestSecretHeaderErrors(t *testing.T) {
	const secret = "s3cr3t-value"
	tok, set := rotating("authorization", "Bearer "+secret)
	cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:1"}, Rate: 1, Duration: time.Second,
		Auth: []auth.Header{tok},
		Steps: []Step{{Name: "a", URL: "/a", Headers: map[string]string{"Authorization": "x"}},
			{Name: "b", URL: "/b", Secrets: []auth.Header{auth.Static("X-Key", secret+"\r\nX-Evil: 1")}}}}
	msg := fmt.Sprint(cfg.Validate())
	for _, want := range []string{"step a: header authorization is set twice", "step b: header X-Key: its value holds a line break"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Validate: %s\nwant %q", msg, want)
		}
	}
	if strings.Contains(msg, secret) {
		t.Errorf("Validate printed the secret: %s", msg)
	}
	cfg.Steps = []Step{{Name: "c", URL: "/c"}}
	r, err := newRunner(cfg.withDefaults(), discardSink{})
	if err != nil {
		t.Fatal(err)
	}
	set("Bearer x\r\nX-Evil: 1")
	var st jstate
	if _, _, kind := appendRequest(nil, nil, &st, r.regions[0], &r.steps[0]); kind != results.ErrTemplate {
		t.Errorf("a dynamic value with a line break: kind %v, want %v", kind, results.ErrTemplate)
	}
}
