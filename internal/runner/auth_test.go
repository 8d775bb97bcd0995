package runner

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/auth"
	"github.com/slocheck/slocheck/internal/auth/authtest"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// secretMark is in every secret the auth tests hand out: the env value and
// each token. No output of a run may hold it.
const secretMark = "s3cr3t"

const authKey = "key-" + secretMark + "-42"

// tokenLife is how long the endpoint's tokens live: auth refreshes a token
// this short halfway through its life (refreshAt: life/2 < RefreshBefore),
// so a run of a few seconds sees several.
const tokenLife = 2 * time.Second

// companionEnv builds slocheck-cloud and returns getenv over env plus
// $SLOCHECK_CLOUD naming it: the bearer token comes from azidentity's default
// chain run there.
func companionEnv(t *testing.T, env map[string]string) func(string) string {
	t.Helper()
	all := map[string]string{}
	maps.Copy(all, env)
	all[companion.EnvVar] = filepath.Join(companiontest.Build(t, companion.Program), companion.Program)
	return func(k string) string { return all[k] }
}

// authShop logs the credentials of every request it gets.
type authShop struct {
	mu   sync.Mutex
	seen []seenReq
}

type seenReq struct {
	at                time.Time
	path, key, bearer string
}

func (s *authShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Served-By", "east")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, seenReq{at: time.Now(), path: r.URL.Path, key: r.Header.Get("X-Api-Key"), bearer: r.Header.Get("Authorization")})
}

const authScenario = `name: auth
target:
  url: %s
  regions: [east]
  auth: {bearer_scope: "api://shop/.default"}
load:
  rate: 20
  duration: 4s
  timeout: 500ms
  client_regions: {us: 1}
  steps:
    - name: list
      url: /api/items
      header_env: {X-Api-Key: SHOP_API_KEY}
    - name: add
      method: POST
      url: /api/cart
      body: '{"n":{{journey}}}'
  journeys:
    - {name: shop, steps: [list, add]}
`

func authRun(t *testing.T, getenv func(string) string) (*authShop, string, *Result, error, string) {
	t.Helper()
	shop := &authShop{}
	srv := httptest.NewServer(shop)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(authScenario, srv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var console bytes.Buffer
	out := filepath.Join(dir, "run")
	res, err := Run(context.Background(), s, Options{OutDir: out, Getenv: getenv, Formats: report.Names(),
		Progress: &console, Log: &console})
	if res != nil && res.Eval != nil {
		if terr := report.Table(&console, res.Eval.Report); terr != nil {
			t.Fatal(terr)
		}
	}
	if err != nil {
		fmt.Fprintf(&console, "error: %v\nhint: %s\n", err, exitcode.Hint(err))
	}
	return shop, out, res, err, console.String()
}

// TestRunAuth runs a scenario with a header_env step and target.auth
// against a loopback shop. The token comes through the real companion
// (slocheck-cloud token: azidentity's default chain) from a loopback managed
// identity endpoint whose tokens live 2 s. From the shop's own log and the
// endpoint's: every request carried the env value and a token the endpoint
// issued, never one past its expiry (the refresh comes at half-life, 1 s
// before it); the refreshing stopped with the run; no secret is in the run
// directory or the console.
func TestRunAuth(t *testing.T) {
	mi := authtest.Start(t, tokenLife, secretMark)
	mi.Setenv(t)
	getenv := companionEnv(t, map[string]string{"SHOP_API_KEY": authKey})
	shop, dir, _, err, console := authRun(t, getenv)
	ended := time.Now()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	tokens := mi.Issued()
	shop.mu.Lock()
	defer shop.mu.Unlock()
	if len(shop.seen) < 40 || len(tokens) < 2 {
		t.Fatalf("the shop saw %d requests, the endpoint issued %d tokens", len(shop.seen), len(tokens))
	}
	if r := tokens[0].Resource; r != "api://shop" { // scope api://shop/.default, as azidentity asks a managed identity
		t.Errorf("token resource %q", r)
	}
	byToken := map[string]authtest.Issued{}
	for _, tk := range tokens {
		byToken["Bearer "+tk.Token] = tk
	}
	carried := map[string]int{}
	if first := shop.seen[0]; first.path != "/health" {
		t.Errorf("first request %s: want the pre-run check, with the token", first.path)
	}
	for _, r := range shop.seen {
		tk, ok := byToken[r.bearer]
		switch {
		case r.path == "/api/items" && r.key != authKey, r.path == "/api/cart" && r.key != "":
			t.Errorf("%s carried key %q: want the env value on the header_env step only", r.path, r.key)
		case !ok:
			t.Errorf("%s carried %q: not a token the endpoint issued", r.path, r.bearer)
		case r.at.After(tk.Expires):
			t.Errorf("%s at +%s carried %s, expired at +%s", r.path, r.at.Sub(tokens[0].At), tk.Token, tk.Expires.Sub(tokens[0].At))
		}
		carried[tk.Token]++
	}
	// The run's traffic lasts 4 s, past the first token's expiry: the
	// check above needs a refreshed token, and one was carried.
	if last := shop.seen[len(shop.seen)-1]; !last.at.After(tokens[0].Expires) || len(carried) < 2 {
		t.Errorf("tokens carried %v; the last request at +%s", carried, last.at.Sub(tokens[0].At))
	}
	// Timers never fire early: at most one refresh per half-life.
	if most := 1 + int(ended.Sub(tokens[0].At)/(tokenLife/2)); len(tokens) > most {
		t.Errorf("%d tokens issued in %s: at most %d by the refresh rule", len(tokens), ended.Sub(tokens[0].At), most)
	}
	// Closed at the end: the next refresh would have been due by now.
	time.Sleep(tokenLife/2 + 100*time.Millisecond)
	if n := len(mi.Issued()); n != len(tokens) {
		t.Errorf("%d tokens issued after the run ended: the token was not closed", n-len(tokens))
	}
	t.Logf("%d requests, tokens carried %v", len(shop.seen), carried)
	noSecrets(t, dir, console)
}

// TestReadbackCarriesTargetHeaders checks that the RPO read-back sends the
// target's headers (target.auth's token, the write steps' header_env), as
// the traffic does: a gateway in front of the shop answers nothing else.
func TestReadbackCarriesTargetHeaders(t *testing.T) {
	var mu sync.Mutex
	var got []string
	h := newRBHarness(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Api-Key"))
		mu.Unlock()
	}, 0)
	h.rb.tgt.headers = []auth.Header{auth.Static("Authorization", "Bearer tok-"+secretMark), auth.Static("X-Api-Key", authKey)}
	if _, err := h.rb.read(context.Background(), "o-1", "westeurope"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "Bearer tok-" + secretMark + "|" + authKey; len(got) != 1 || got[0] != want {
		t.Fatalf("the store saw %q, want one read with %q", got, want)
	}
}

// noSecrets greps every file of the run directory and the console for the
// secrets' mark and for a bearer token.
func noSecrets(t *testing.T, dir, console string) {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, filepath.Base(p))
		if bytes.Contains(b, []byte(secretMark)) || bytes.Contains(b, []byte("Bearer")) {
			t.Errorf("%s holds a secret", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{results.FileName, "report.json", "report.md", "report.html", "junit.xml", "report.txt"} {
		if !slices.Contains(files, want) {
			t.Errorf("no %s in the run directory (%v): the grep would miss it", want, files)
		}
	}
	if strings.Contains(console, secretMark) || strings.Contains(console, "Bearer") {
		t.Errorf("the console holds a secret:\n%s", console)
	}
	if console == "" {
		t.Error("no console output to grep")
	}
}

// TestRunAuthMissingEnv checks that an unset header_env variable exits 2
// naming the field and the variable, before any request or token.
func TestRunAuthMissingEnv(t *testing.T) {
	mi := authtest.Start(t, tokenLife, secretMark)
	mi.Setenv(t)
	shop, dir, _, err, console := authRun(t, companionEnv(t, nil))
	msg := fmt.Sprint(err)
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(msg, "auth.yaml:14:20: ") ||
		!strings.Contains(msg, "load.steps[0].header_env.X-Api-Key: environment variable SHOP_API_KEY is not set") {
		t.Fatalf("exit %d: %v", exitcode.Code(err), err)
	}
	if len(shop.seen) != 0 || mi.Asks() != 0 {
		t.Errorf("%d requests sent, %d tokens asked for: want none", len(shop.seen), mi.Asks())
	}
	noSecretsIn(t, dir, console)
}

// TestRunAuthNoToken checks that a credential chain that gives no token
// (the managed identity endpoint refuses) exits 3 with the chain's own
// message and a hint about signing in, before any request.
func TestRunAuthNoToken(t *testing.T) {
	mi := authtest.Start(t, tokenLife, secretMark)
	mi.Setenv(t)
	mi.Fail("identity not found")
	shop, dir, _, err, console := authRun(t, companionEnv(t, map[string]string{"SHOP_API_KEY": authKey}))
	if exitcode.Code(err) != exitcode.Rig || !strings.Contains(err.Error(), "bearer token for api://shop/.default: DefaultAzureCredential") ||
		!strings.Contains(err.Error(), "identity not found") || mi.Asks() == 0 ||
		!strings.Contains(exitcode.Hint(err), "az login") {
		t.Fatalf("exit %d: %v (hint %q)", exitcode.Code(err), err, exitcode.Hint(err))
	}
	if len(shop.seen) != 0 {
		t.Errorf("%d requests sent: want none", len(shop.seen))
	}
	noSecretsIn(t, dir, console)
}

// noSecretsIn is noSecrets for a run that wrote no reports.
func noSecretsIn(t *testing.T, dir, console string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(secretMark)) {
				t.Errorf("%s holds a secret", p)
			}
		}
		return nil
	})
	if strings.Contains(console, secretMark) {
		t.Errorf("the console holds a secret:\n%s", console)
	}
}
