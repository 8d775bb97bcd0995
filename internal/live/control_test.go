package live

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

func TestCheckAddr(t *testing.T) {
	for _, c := range []struct {
		addr, token string
		ok          bool
	}{
		{"", "", true}, {":9464", "", true}, {"127.0.0.1:9464", "", true}, {"127.0.0.2:9464", "", true},
		{"[::1]:9464", "", true}, {"localhost:9464", "", true},
		{"0.0.0.0:9464", "", false}, {":9464", "t", true}, {"[::]:9464", "", false}, {"10.1.2.3:9464", "", false},
		{"myhost:9464", "", false}, {"0.0.0.0:9464", "t", true}, {"garbage", "", false},
	} {
		err := CheckAddr(c.addr, c.token)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrToken)) {
			t.Errorf("CheckAddr(%q, token %v) = %v, want ok %v", c.addr, c.token != "", err, c.ok)
		}
	}
	if _, err := Start(Config{Addr: "0.0.0.0:0"}, nil); !errors.Is(err, ErrToken) {
		t.Errorf("Start off loopback without a token: %v, want ErrToken", err)
	}
}

// controlServer is a Server attached to a run that started a minute ago,
// with the events it emitted.
func controlServer(t *testing.T, token string) (*Server, *[]results.Event, *int) {
	t.Helper()
	var mu sync.Mutex
	var evs []results.Event
	aborts := 0
	s, err := Start(Config{Addr: "127.0.0.1:0", Token: token, Abort: func(string) { mu.Lock(); aborts++; mu.Unlock() }}, NewMetrics(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.Attach(RunInfo{Started: time.Now().Add(-time.Minute), Regions: []string{"eastus", "westeurope"}, Reserved: []string{"eastus-down"},
		Emit: func(e results.Event) { mu.Lock(); evs = append(evs, e); mu.Unlock() }})
	return s, &evs, &aborts
}

func TestMarks(t *testing.T) {
	s, evs, _ := controlServer(t, "")
	c := &Client{URL: s.URL(), HTTP: http.DefaultClient}
	ctx := context.Background()
	past := time.Now().Add(-10 * time.Second)
	steps := []struct {
		m      Mark
		status int // 0: accepted
	}{
		{Mark{Fault: "eastus-portal", Phase: PhaseHealed}, 409},                                                            // not injected
		{Mark{Fault: "bad name!", Phase: PhaseInjected, Region: "eastus"}, 400},                                            // name
		{Mark{Fault: "eastus-down", Phase: PhaseInjected, Region: "eastus"}, 409},                                          // slocheck's own
		{Mark{Fault: "eastus-portal", Phase: PhaseInjected, Region: "northpole"}, 400},                                     // region
		{Mark{Fault: "eastus-portal", Phase: "broken", Region: "eastus"}, 400},                                             // phase
		{Mark{Fault: "eastus-portal", Phase: PhaseInjected, Region: "eastus", Time: ptr(time.Now().Add(-time.Hour))}, 400}, // before the run
		{Mark{Fault: "eastus-portal", Phase: PhaseInjected, Region: "eastus", Time: ptr(time.Now().Add(time.Hour))}, 400},  // future
		{Mark{Fault: "eastus-portal", Phase: PhaseInjected, Region: "eastus", Mode: "down", Time: &past}, 0},
		{Mark{Fault: "eastus-portal", Phase: PhaseInjected, Region: "eastus"}, 409},                // twice
		{Mark{Fault: "eastus-portal", Phase: PhaseHealed, Region: "westeurope"}, 409},              // another region
		{Mark{Fault: "eastus-portal", Phase: PhaseHealed, Time: ptr(past.Add(-time.Second))}, 400}, // before its injection
		{Mark{Fault: "eastus-portal", Phase: PhaseHealed}, 0},
	}
	for i, st := range steps {
		_, err := c.Mark(ctx, st.m)
		var se *StatusError
		switch {
		case st.status == 0 && err != nil:
			t.Errorf("step %d %+v: %v, want accepted", i, st.m, err)
		case st.status != 0 && (!errors.As(err, &se) || se.Status != st.status):
			t.Errorf("step %d %+v: %v, want %d", i, st.m, err, st.status)
		}
	}
	if len(*evs) != 2 {
		t.Fatalf("events %+v: want the injection and the heal", *evs)
	}
	inj, heal := (*evs)[0], (*evs)[1]
	if inj.Kind != results.EventFaultInjected || !inj.Time.Equal(past) || inj.Target != "eastus" || inj.Injector != Injector || inj.Mode != "down" ||
		heal.Kind != results.EventFaultHealed || heal.Fault != "eastus-portal" || heal.Target != "eastus" || heal.Time.Before(inj.Time) {
		t.Errorf("events %+v", *evs)
	}
	s.Detach()
	if _, err := c.Mark(ctx, Mark{Fault: "later", Phase: PhaseInjected, Region: "eastus"}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("a mark after the run: %v, want 503", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestTokenRequired: with a token configured, a request without it or with
// another one gets 401 and changes nothing; with it, the same request works.
func TestTokenRequired(t *testing.T) {
	s, evs, aborts := controlServer(t, "s3cret")
	ctx := context.Background()
	for _, tok := range []string{"", "wrong"} {
		c := &Client{URL: s.URL(), Token: tok, HTTP: http.DefaultClient}
		var se *StatusError
		if _, err := c.Abort(ctx); !errors.As(err, &se) || se.Status != 401 {
			t.Errorf("abort with token %q: %v, want 401", tok, err)
		}
		if _, err := c.Mark(ctx, Mark{Fault: "x", Phase: PhaseInjected, Region: "eastus"}); !errors.As(err, &se) || se.Status != 401 {
			t.Errorf("mark with token %q: %v, want 401", tok, err)
		}
	}
	select {
	case <-s.Aborted():
		t.Fatal("aborted without the token")
	default:
	}
	if *aborts != 0 || len(*evs) != 0 {
		t.Fatalf("without the token: %d aborts, events %v", *aborts, *evs)
	}
	c := &Client{URL: s.URL(), Token: "s3cret", HTTP: http.DefaultClient}
	for range 2 {
		if _, err := c.Abort(ctx); err != nil {
			t.Fatalf("abort with the token: %v", err)
		}
	}
	<-s.Aborted()
	if *aborts != 1 {
		t.Errorf("two aborts called Abort %d times, want once", *aborts)
	}
}

// TestMarksRefused: a run that takes no marks (engine k6) answers 409 with
// its reason, and nothing reaches the stream.
func TestMarksRefused(t *testing.T) {
	s, evs, _ := controlServer(t, "")
	s.RefuseMarks("marks need the Go engine")
	c := &Client{URL: s.URL(), HTTP: http.DefaultClient}
	_, err := c.Mark(context.Background(), Mark{Fault: "eastus-portal", Phase: PhaseInjected, Region: "eastus"})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 409 || !strings.Contains(se.Msg, "marks need the Go engine") {
		t.Fatalf("a mark on a run that takes none: %v, want 409 with the reason", err)
	}
	if len(*evs) != 0 {
		t.Errorf("events %+v: want none", *evs)
	}
}

// TestLivePageTokenRule: the live page follows the control API's token
// rule: off loopback it needs a token to start; with one, a browser gets
// 401 until it opens the page once with ?token=, and then the page.
func TestLivePageTokenRule(t *testing.T) {
	if _, err := Start(Config{Addr: "127.0.0.1:0", Dashboard: "0.0.0.0:0"}, nil); !errors.Is(err, ErrToken) {
		t.Fatalf("a live page off loopback without a token: %v, want ErrToken", err)
	}
	s, err := Start(Config{Addr: "127.0.0.1:0", Dashboard: "0.0.0.0:0", Token: "s3cret"}, NewMetrics(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(url string) int {
		resp, err := browser.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(s.DashboardURL()); code != http.StatusUnauthorized {
		t.Fatalf("the live page without the token: %d, want 401", code)
	}
	if code := get(s.DashboardURL() + "?token=wrong"); code != http.StatusUnauthorized {
		t.Fatalf("the live page with a wrong token: %d, want 401", code)
	}
	if code := get(s.DashboardURL() + "?token=s3cret"); code != http.StatusOK {
		t.Fatalf("the live page with the token: %d, want 200 (after the redirect that sets the cookie)", code)
	}
	if code := get(s.DashboardURL()); code != http.StatusOK {
		t.Fatalf("the live page again, with the cookie: %d, want 200", code)
	}
}
