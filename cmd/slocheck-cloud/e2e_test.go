package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/aks"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
)

// cluster is client-go's fake clientset served over loopback HTTP as a
// Kubernetes API server (apps/v1 deployments: GET, LIST, PUT), so that the
// companion's real REST client reaches it through a kubeconfig. The
// clientset's own record (Actions, and its objects) is the test's truth.
type cluster struct {
	cs         *fake.Clientset
	kubeconfig string
}

func newCluster(t *testing.T) *cluster {
	shop := map[string]string{"app.kubernetes.io/part-of": "shop"}
	dep := func(name string, replicas int32, lbls map[string]string) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Labels: lbls},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas}}
	}
	c := &cluster{cs: fake.NewClientset(dep("web", 3, shop), dep("api", 2, shop), dep("worker", 4, nil))}
	srv := httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(srv.Close)
	c.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf("apiVersion: v1\nkind: Config\ncurrent-context: c\nusers:\n- {name: u, user: {}}\n"+
		"clusters:\n- {name: c, cluster: {server: %q}}\ncontexts:\n- {name: c, context: {cluster: c, user: u}}\n", srv.URL)
	if err := os.WriteFile(c.kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

var serveMu sync.Mutex

// serve forwards one request to the clientset's deployments.
func (c *cluster) serve(w http.ResponseWriter, r *http.Request) {
	serveMu.Lock()
	defer serveMu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	rest, ok := strings.CutPrefix(r.URL.Path, "/apis/apps/v1/namespaces/")
	ns, name, _ := strings.Cut(rest, "/deployments")
	name = strings.TrimPrefix(name, "/")
	deps := c.cs.AppsV1().Deployments(ns)
	var out any
	var err error
	switch {
	case !ok:
		err = apierrors.NewNotFound(appsv1.Resource("deployments"), r.URL.Path)
	case name == "" && r.Method == http.MethodGet:
		var list *appsv1.DeploymentList
		list, err = deps.List(r.Context(), metav1.ListOptions{LabelSelector: r.URL.Query().Get("labelSelector")})
		if err == nil {
			list.APIVersion, list.Kind = "apps/v1", "DeploymentList"
			out = list
		}
	case r.Method == http.MethodGet:
		out, err = typed(deps.Get(r.Context(), name, metav1.GetOptions{}))
	case r.Method == http.MethodPut:
		var d appsv1.Deployment
		if err = json.NewDecoder(r.Body).Decode(&d); err == nil {
			out, err = typed(deps.Update(r.Context(), &d, metav1.UpdateOptions{}))
		}
	default:
		err = apierrors.NewMethodNotSupported(appsv1.Resource("deployments"), r.Method)
	}
	if err != nil {
		var st apierrors.APIStatus
		if !errors.As(err, &st) {
			st = apierrors.NewBadRequest(err.Error())
		}
		w.WriteHeader(int(st.Status().Code))
		status := st.Status()
		status.APIVersion, status.Kind = "v1", "Status"
		out = status
	}
	_ = json.NewEncoder(w).Encode(out)
}

func typed(d *appsv1.Deployment, err error) (*appsv1.Deployment, error) {
	if err == nil {
		d.APIVersion, d.Kind = "apps/v1", "Deployment"
	}
	return d, err
}

// replicas is "name=replicas[saved count]" of the shop's deployments, as the
// clientset holds them.
func (c *cluster) replicas(t *testing.T) string {
	t.Helper()
	serveMu.Lock()
	defer serveMu.Unlock()
	var out []string
	for _, n := range []string{"api", "web", "worker"} {
		d, err := c.cs.AppsV1().Deployments("shop").Get(context.Background(), n, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d[%s]", n, *d.Spec.Replicas, d.Annotations[aks.Annotation]))
	}
	return strings.Join(out, " ")
}

// updates lists the updates the clientset received, in order, as
// "name=replicas[saved count]".
func (c *cluster) updates() []string {
	serveMu.Lock()
	defer serveMu.Unlock()
	var out []string
	for _, a := range c.cs.Actions() {
		if u, ok := a.(k8stesting.UpdateAction); ok {
			d := u.GetObject().(*appsv1.Deployment)
			out = append(out, fmt.Sprintf("%s=%d[%s]", d.Name, *d.Spec.Replicas, d.Annotations[aks.Annotation]))
		}
	}
	return out
}

const (
	healthy = "api=2[] web=3[] worker=4[]"
	faulted = "api=0[2] web=0[3] worker=4[]"
)

// shopScenario writes a scenario of single-request journeys against a
// loopback shop, with one aks fault on the cluster from at for faultFor.
func shopScenario(t *testing.T, c *cluster, dur, at, faultFor time.Duration) string {
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"products":[]}`))
	}))
	t.Cleanup(shop.Close)
	path := filepath.Join(t.TempDir(), "aks.yaml")
	yaml := fmt.Sprintf(`name: aks-through-the-companion
target:
  url: %s
  regions: [eastus]
load:
  rate: 20
  duration: %s
  timeout: 2s
  client_regions: {us: 1}
  journeys:
    - {name: browse, weight: 1, steps: [browse]}
faults:
  - name: eastus-aks
    at: %s
    for: %s
    region: eastus
    injector: aks
    aks:
      kubeconfig: %s
      namespace: shop
      label_selector: app.kubernetes.io/part-of=shop
`, shop.URL, dur, at, faultFor, c.kubeconfig)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// command runs a built binary with the environment of this test, minus any
// companion it names.
func command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, companion.EnvVar+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

func TestMain(m *testing.M) { companiontest.Main(m) }

func faultStatus(t *testing.T, dir string) chaos.Status {
	t.Helper()
	st, err := chaos.ReadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Faults) != 1 {
		return ""
	}
	return st.Faults[0].Status
}

// TestAKSFaultThroughTheCompanion runs the real slocheck with an aks fault:
// slocheck finds slocheck-cloud beside itself, which scales the cluster's
// deployments to zero and back. The cluster's own record says both happened,
// in that order, and nothing else changed.
func TestAKSFaultThroughTheCompanion(t *testing.T) {
	dir := companiontest.Build(t, "slocheck", "slocheck-cloud")
	c := newCluster(t)
	out := filepath.Join(t.TempDir(), "run")
	cmd := command(filepath.Join(dir, "slocheck"), "run", "--scenario", shopScenario(t, c, 3*time.Second, time.Second, time.Second), "--out", out, "--quiet")
	b, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code == 2 || code == 3 || (err != nil && code < 0) {
		t.Fatalf("slocheck run: %v\n%s", err, b)
	}
	want := []string{"api=0[2]", "web=0[3]", "api=2[]", "web=3[]"}
	if got := c.updates(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the cluster received updates %v, want %v\n%s", got, want, b)
	}
	if got := c.replicas(t); got != healthy {
		t.Errorf("after the run: %s, want %s", got, healthy)
	}
	if got := faultStatus(t, out); got != chaos.StatusHealed {
		t.Errorf("faults.json: %q, want healed", got)
	}
	var rep struct {
		Faults []struct{ Injector, Injected, Healed string }
	}
	if raw, err := os.ReadFile(filepath.Join(out, "report.json")); err != nil || json.Unmarshal(raw, &rep) != nil || len(rep.Faults) != 1 {
		t.Fatalf("report.json: %v %+v", err, rep)
	}
	if f := rep.Faults[0]; f.Injector != chaos.KindAKS || f.Injected == "" || f.Healed == "" {
		t.Errorf("report.json fault %+v", f)
	}
	if _, err := os.Stat(filepath.Join(out, "chaos", "eastus-aks.inject.stdout")); err != nil {
		t.Errorf("the companion's output is not in the run directory: %v", err)
	}
}

// TestHealDirThroughTheCompanionAfterAKill kills (SIGKILL) a run while its
// aks fault is in place, then heals the run directory with `slocheck heal`,
// which rebuilds the fault from faults.json and heals it through the
// companion, named this time by $SLOCHECK_CLOUD.
func TestHealDirThroughTheCompanionAfterAKill(t *testing.T) {
	alone := filepath.Join(companiontest.Build(t, "slocheck"), "slocheck") // no companion beside it
	cloud := filepath.Join(companiontest.Build(t, "slocheck-cloud"), "slocheck-cloud")
	c := newCluster(t)
	out := filepath.Join(t.TempDir(), "run")
	run := command(alone, "run", "--scenario", shopScenario(t, c, time.Minute, 500*time.Millisecond, 50*time.Second), "--out", out, "--quiet")
	run.Env = append(run.Env, companion.EnvVar+"="+cloud)
	var log strings.Builder
	run.Stdout, run.Stderr = &log, &log
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer run.Process.Kill()
	// The fault is active once the companion answered; bounded by the
	// scenario's 50 s fault, which the kill must come within.
	deadline := time.Now().Add(45 * time.Second)
	for faultStatus(t, out) != chaos.StatusActive {
		if time.Now().After(deadline) {
			t.Fatalf("the fault never became active: %s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := run.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = run.Wait()
	if got := c.replicas(t); got != faulted {
		t.Fatalf("after the kill: %s, want %s", got, faulted)
	}
	if got := faultStatus(t, out); got != chaos.StatusActive {
		t.Fatalf("faults.json after the kill: %q, want active", got)
	}
	heal := command(alone, "heal", out)
	heal.Env = append(heal.Env, companion.EnvVar+"="+cloud)
	if b, err := heal.CombinedOutput(); err != nil {
		t.Fatalf("slocheck heal: %v\n%s", err, b)
	}
	if got := c.replicas(t); got != healthy {
		t.Errorf("after slocheck heal: %s, want %s", got, healthy)
	}
	if got := faultStatus(t, out); got != chaos.StatusHealed {
		t.Errorf("faults.json after slocheck heal: %q, want healed", got)
	}
}
