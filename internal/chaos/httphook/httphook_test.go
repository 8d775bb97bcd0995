package httphook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/httphook"
	"github.com/slocheck/slocheck/results"
)

// request is what the hook server received.
type request struct {
	Method, Path, Body, Auth, Team, ContentType string
}

// hookServer records requests and answers each with the status next picks.
type hookServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
	next func(n int, r request) int // n counts requests from 1
}

func newHookServer(t *testing.T, next func(int, request) int) *hookServer {
	h := &hookServer{next: next}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req := request{r.Method, r.URL.Path, string(b), r.Header.Get("Authorization"), r.Header.Get("X-Team"), r.Header.Get("Content-Type")}
		h.mu.Lock()
		h.reqs = append(h.reqs, req)
		n := len(h.reqs)
		h.mu.Unlock()
		status := http.StatusOK
		if h.next != nil {
			status = h.next(n, req)
		}
		w.WriteHeader(status)
		io.WriteString(w, `{"error":"switch is busy"}`)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) requests() []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]request(nil), h.reqs...)
}

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestInjectAndHealSendExactlyTheConfiguredRequests(t *testing.T) {
	srv := newHookServer(t, nil)
	spec := chaos.HTTPSpec{
		InjectURL: srv.URL + "/faults/eastus", InjectBody: `{"mode":"down"}`,
		HealURL: srv.URL + "/faults/eastus", HealMethod: "delete",
		Headers:   map[string]string{"X-Team": "sre"},
		HeaderEnv: map[string]string{"Authorization": "HOOK_AUTH"},
	}
	h, err := httphook.New(spec, env(map[string]string{"HOOK_AUTH": "Bearer s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	f, err := h.Inject(context.Background())
	if err != nil {
		t.Fatalf("Inject: %v", err)
	}
	if f.Issued.Before(before) || f.Injected.Before(f.Issued) || f.Undo != "DELETE "+srv.URL+"/faults/eastus" {
		t.Errorf("fault %+v", f)
	}
	// Idempotent: a second inject and two heals all succeed.
	for _, step := range []func() error{
		func() error { _, err := h.Inject(context.Background()); return err },
		func() error { return h.Heal(context.Background()) },
		func() error { return h.Heal(context.Background()) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	inject := request{"POST", "/faults/eastus", `{"mode":"down"}`, "Bearer s3cret", "sre", "application/json"}
	heal := request{"DELETE", "/faults/eastus", "", "Bearer s3cret", "sre", ""}
	want := []request{inject, inject, heal, heal}
	got := srv.requests()
	if len(got) != len(want) {
		t.Fatalf("got %d requests %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i+1, got[i], want[i])
		}
	}
}

func TestAnswersThatAreNotSuccess(t *testing.T) {
	srv := newHookServer(t, func(int, request) int { return http.StatusNotFound })
	post, _ := httphook.New(chaos.HTTPSpec{InjectURL: srv.URL + "/on", HealURL: srv.URL + "/off"}, env(nil))
	if _, err := post.Inject(context.Background()); err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "switch is busy") {
		t.Errorf("Inject on 404: %v", err)
	}
	if err := post.Heal(context.Background()); err == nil {
		t.Error("a POST heal answered 404 counted as healed")
	}
	del, _ := httphook.New(chaos.HTTPSpec{HealURL: srv.URL + "/f", HealMethod: "DELETE"}, env(nil))
	if err := del.Heal(context.Background()); err != nil {
		t.Errorf("a DELETE heal answered 404 (already gone): %v", err)
	}
	if _, err := del.Inject(context.Background()); err == nil {
		t.Error("Inject without an inject URL succeeded")
	}
}

func TestHealRetriesUntilTheHookRecovers(t *testing.T) {
	srv := newHookServer(t, func(n int, _ request) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	h, _ := httphook.New(chaos.HTTPSpec{HealURL: srv.URL + "/off"}, env(nil))
	err := chaos.Heal(context.Background(), h, chaos.HealPolicy{Attempts: 4, Backoff: time.Millisecond})
	if err != nil || len(srv.requests()) != 3 {
		t.Fatalf("Heal: %v after %d requests; want success on the third", err, len(srv.requests()))
	}
	// With fewer attempts than the hook needs, the failure names each try.
	srv2 := newHookServer(t, func(int, request) int { return http.StatusServiceUnavailable })
	h2, _ := httphook.New(chaos.HTTPSpec{HealURL: srv2.URL + "/off"}, env(nil))
	err = chaos.Heal(context.Background(), h2, chaos.HealPolicy{Attempts: 2, Backoff: time.Millisecond})
	if !errors.Is(err, chaos.ErrHealFailed) || !strings.Contains(err.Error(), "attempt 2") || len(srv2.requests()) != 2 {
		t.Fatalf("Heal: %v after %d requests", err, len(srv2.requests()))
	}
}

func TestRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	h, _ := httphook.New(chaos.HTTPSpec{InjectURL: srv.URL, HealURL: srv.URL, Timeout: results.Duration(100 * time.Millisecond)}, env(nil))
	start := time.Now()
	if _, err := h.Inject(context.Background()); err == nil {
		t.Fatal("Inject against a hung hook succeeded")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Inject took %s with a 100 ms timeout", took)
	}
}

func TestSpecChecks(t *testing.T) {
	cases := map[string]chaos.HTTPSpec{
		"no heal URL":       {InjectURL: "http://127.0.0.1/on"},
		"relative URL":      {HealURL: "/off"},
		"bad heal method":   {HealURL: "http://127.0.0.1/off", HealMethod: "PUT"},
		"secret header":     {HealURL: "http://127.0.0.1/off", Headers: map[string]string{"authorization": "Bearer x"}},
		"missing env value": {HealURL: "http://127.0.0.1/off", HeaderEnv: map[string]string{"X-Key": "UNSET"}},
	}
	for name, spec := range cases {
		if _, err := httphook.New(spec, env(nil)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	inj, err := chaos.Build(chaos.Spec{Kind: chaos.KindHTTP, Name: "f", HTTP: &chaos.HTTPSpec{HealURL: "http://127.0.0.1/off"}}, chaos.Env{})
	if _, ok := inj.(*httphook.Hook); !ok || err != nil {
		t.Fatalf("Build: %T, %v", inj, err)
	}
}
