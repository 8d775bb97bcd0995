package cloudcmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/buildinfo"
	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/cloudfault"
	"github.com/slocheck/slocheck/internal/cloudcmd"
)

func run(t *testing.T, stdin string, args ...string) (code int, answer cloudfault.Answer, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cloudcmd.Run(context.Background(), args, cloudcmd.IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	if len(args) > 0 && args[0] != "version" && out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), &answer); err != nil {
			t.Fatalf("answer %q: %v", out.String(), err)
		}
	}
	return code, answer, out.String(), errb.String()
}

func request(t *testing.T, version string, spec chaos.Spec) string {
	b, err := json.Marshal(cloudfault.Request{Version: version, Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var aksSpec = chaos.Spec{Kind: chaos.KindAKS, Name: "a", AKS: &chaos.AKSSpec{Namespace: "shop", Deployments: []string{"web"}}}

func TestVersion(t *testing.T) {
	code, _, out, _ := run(t, "", "version")
	if f := strings.Fields(out); code != 0 || len(f) != 4 || f[0] != "slocheck-cloud" || f[1] != buildinfo.String() {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestCheck(t *testing.T) {
	if code, a, _, errs := run(t, request(t, buildinfo.String(), aksSpec), "check"); code != 0 || a.Error != "" || a.Version != buildinfo.String() {
		t.Errorf("a valid spec: exit %d, %+v, %s", code, a, errs)
	}
	bad := aksSpec
	bad.AKS = &chaos.AKSSpec{Namespace: "shop"}
	for name, c := range map[string]struct {
		stdin, want string
	}{
		"a bad spec":    {request(t, buildinfo.String(), bad), "give deployments or a label selector"},
		"another build": {request(t, "v0.0.1", aksSpec), "another build"},
		"another kind":  {request(t, buildinfo.String(), chaos.Spec{Kind: chaos.KindExec, Name: "e", Exec: &chaos.ExecSpec{HealCmd: "true"}}), `kind "exec" is not one of`},
		"not JSON":      {"{", "request"},
	} {
		code, a, _, errs := run(t, c.stdin, "check")
		if code != 2 || !strings.Contains(a.Error, c.want) || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, answer %+v, stderr %q; want exit 2 and %q", name, code, a, errs, c.want)
		}
	}
}

func TestInjectFailureExitsOne(t *testing.T) {
	spec := aksSpec
	spec.AKS = &chaos.AKSSpec{Kubeconfig: t.TempDir() + "/none", Namespace: "shop", Deployments: []string{"web"}}
	code, a, _, _ := run(t, request(t, buildinfo.String(), spec), "inject")
	if code != 1 || a.Error == "" || a.Fault != nil || a.Refused {
		t.Errorf("inject against no cluster: exit %d, %+v", code, a)
	}
}

// TestCosmosRefusesAnotherBuild: `slocheck-cloud cosmos` answers an open
// request from another build with an error (id 0) and exits 2, before it
// makes any client.
func TestCosmosRefusesAnotherBuild(t *testing.T) {
	var out, errb bytes.Buffer
	open := `{"version":"v0.0.1","config":{"endpoint":"https://127.0.0.1:9/","database":"shop","container":"orders","key":"k"},"regions":["eastus"]}` + "\n"
	code := cloudcmd.Run(context.Background(), []string{"cosmos"}, cloudcmd.IO{In: strings.NewReader(open), Out: &out, Err: &errb})
	var a struct {
		ID    uint64
		Error string
	}
	if err := json.Unmarshal(out.Bytes(), &a); err != nil || code != 2 || a.ID != 0 || !strings.Contains(a.Error, "another build") {
		t.Errorf("exit %d, answer %q (%v), stderr %q", code, out.String(), err, errb.String())
	}
}

// TestTokenNeedsAScope: `slocheck-cloud token` without --scope is a usage
// error (exit 2) that asks for no token.
func TestTokenNeedsAScope(t *testing.T) {
	var out, errb bytes.Buffer
	code := cloudcmd.Run(context.Background(), []string{"token"}, cloudcmd.IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	if code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), "--scope") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
