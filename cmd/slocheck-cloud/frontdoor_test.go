package main_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cdn/armcdn/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cdn/armcdn/v2/fake"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
)

// origin is one Front Door origin behind armcdn's fake server, served over
// loopback HTTP: it keeps its enabled state and logs every call it gets.
type origin struct {
	mu    sync.Mutex
	state armcdn.EnabledState
	calls []string // "get" or "update Enabled|Disabled"
}

func (o *origin) log(call string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, call)
}

func (o *origin) fake() fake.AFDOriginsServer {
	return fake.AFDOriginsServer{
		Get: func(_ context.Context, _, _, _, name string, _ *armcdn.AFDOriginsClientGetOptions) (resp azfake.Responder[armcdn.AFDOriginsClientGetResponse], errResp azfake.ErrorResponder) {
			o.log("get " + name)
			o.mu.Lock()
			defer o.mu.Unlock()
			resp.SetResponse(http.StatusOK, armcdn.AFDOriginsClientGetResponse{AFDOrigin: armcdn.AFDOrigin{
				Name: new(name), Properties: &armcdn.AFDOriginProperties{EnabledState: new(o.state)}}}, nil)
			return resp, errResp
		},
		BeginUpdate: func(_ context.Context, _, _, _, name string, p armcdn.AFDOriginUpdateParameters, _ *armcdn.AFDOriginsClientBeginUpdateOptions) (resp azfake.PollerResponder[armcdn.AFDOriginsClientUpdateResponse], errResp azfake.ErrorResponder) {
			o.log("update " + name + " " + string(*p.Properties.EnabledState))
			o.mu.Lock()
			defer o.mu.Unlock()
			o.state = *p.Properties.EnabledState
			resp.SetTerminalResponse(http.StatusOK, armcdn.AFDOriginsClientUpdateResponse{AFDOrigin: armcdn.AFDOrigin{
				Name: new(name), Properties: &armcdn.AFDOriginProperties{EnabledState: new(o.state)}}}, nil)
			return resp, errResp
		},
	}
}

// apiNames are the client methods the fake server dispatches on, by HTTP
// method (in-process, the generated client puts the name in the request's
// context; over HTTP the bridge below does).
var apiNames = map[string]string{http.MethodGet: "AFDOriginsClient.Get", http.MethodPatch: "AFDOriginsClient.BeginUpdate"}

// serve puts the fake server's transport behind a loopback HTTP server.
func (o *origin) serve(t *testing.T) string {
	srv := o.fake()
	tr := fake.NewAFDOriginsServerTransport(&srv)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ctx := context.WithValue(r.Context(), runtime.CtxAPINameKey{}, apiNames[r.Method])
		req, err := http.NewRequestWithContext(ctx, r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := tr.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// frontDoorRun runs the real slocheck with a frontdoor fault (at 1 s for
// 1 s) through slocheck-cloud against o, and returns its exit code, output
// and run directory.
func frontDoorRun(t *testing.T, o *origin) (int, string, string) {
	dir := companiontest.Build(t, "slocheck") // alone: the companion is named by $SLOCHECK_CLOUD
	cloudDir := companiontest.BuildWith(t, []string{"-tags", "slocheck_armfake"}, "slocheck-cloud")
	scen := shopScenario(t, &cluster{}, 4*time.Second, time.Second, time.Second)
	b, err := os.ReadFile(scen)
	if err != nil {
		t.Fatal(err)
	}
	fd := strings.Split(string(b), "    injector: aks")[0] + `    injector: frontdoor
    frontdoor:
      subscription_id: 00000000-0000-0000-0000-000000000001
      resource_group: rg-shop
      profile: afd-shop
      origin_group: og-shop
      origin: origin-eastus
`
	if err := os.WriteFile(scen, []byte(fd), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	cmd := command(filepath.Join(dir, "slocheck"), "run", "--scenario", scen, "--out", out, "--quiet")
	cmd.Env = append(cmd.Env, "SLOCHECK_CLOUD="+filepath.Join(cloudDir, "slocheck-cloud"), "SLOCHECK_ARMFAKE_ENDPOINT="+o.serve(t))
	b, err = cmd.CombinedOutput()
	if err != nil && cmd.ProcessState.ExitCode() < 0 {
		t.Fatalf("slocheck run: %v\n%s", err, b)
	}
	return cmd.ProcessState.ExitCode(), string(b), out
}

// TestFrontDoorFaultThroughTheCompanion runs the real slocheck with a
// frontdoor fault through a slocheck-cloud built with the slocheck_armfake
// tag (its ARM clients use a fake credential and the loopback endpoint; no
// other build has the knob). armcdn's own fake server records that the
// origin was disabled, then enabled again.
func TestFrontDoorFaultThroughTheCompanion(t *testing.T) {
	o := &origin{state: armcdn.EnabledStateEnabled}
	code, log, out := frontDoorRun(t, o)
	if code == 2 || code == 3 {
		t.Fatalf("slocheck run exited %d:\n%s", code, log)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	want := "get origin-eastus, update origin-eastus Disabled, get origin-eastus, update origin-eastus Enabled"
	if got := strings.Join(o.calls, ", "); got != want {
		t.Errorf("the fake got %s\nwant %s\n%s", got, want, log)
	}
	if o.state != armcdn.EnabledStateEnabled {
		t.Errorf("origin left %s", o.state)
	}
	if got := faultStatus(t, out); got != chaos.StatusHealed {
		t.Errorf("faults.json: %q, want healed", got)
	}
}

// TestFrontDoorRefusalKeptThroughTheCompanion: an origin someone else
// disabled is refused (the run fails, exit 3), and the run's heal leaves it
// disabled, as the in-process injector does: the proxy remembers the
// refusal between the companion's processes.
func TestFrontDoorRefusalKeptThroughTheCompanion(t *testing.T) {
	o := &origin{state: armcdn.EnabledStateDisabled}
	code, log, _ := frontDoorRun(t, o)
	if code != 3 || !strings.Contains(log, "origin already disabled") {
		t.Fatalf("slocheck run exited %d, want 3 with the refusal:\n%s", code, log)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if got := strings.Join(o.calls, ", "); got != "get origin-eastus" {
		t.Errorf("the fake got %s, want one get and nothing else", got)
	}
	if o.state != armcdn.EnabledStateDisabled {
		t.Errorf("origin left %s, want it as someone else left it (Disabled)", o.state)
	}
}
