package aks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/aks"
)

func deployment(ns, name string, replicas *int32, lbls map[string]string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls},
		Spec:       appsv1.DeploymentSpec{Replicas: replicas},
	}
}

// cluster is a fake clientset holding a shop: web (3 replicas) and api
// (2) labelled app.kubernetes.io/part-of=shop, worker (4) not, and one
// deployment with the same label in another namespace.
func cluster() *fake.Clientset {
	shop := map[string]string{"app.kubernetes.io/part-of": "shop"}
	return fake.NewClientset(
		deployment("shop", "web", new(int32(3)), shop),
		deployment("shop", "api", new(int32(2)), shop),
		deployment("shop", "worker", new(int32(4)), map[string]string{"app": "worker"}),
		deployment("other", "web", new(int32(5)), shop),
	)
}

// injector returns an injector of spec on cs, recording what it connected to.
func injector(t *testing.T, cs kubernetes.Interface, spec chaos.AKSSpec, connected *[]string) *aks.Injector {
	t.Helper()
	inj, err := aks.New(spec, aks.Config{NewClient: func(kubeconfig, kubeContext string) (aks.Client, error) {
		if connected != nil {
			*connected = append(*connected, kubeconfig+"@"+kubeContext)
		}
		return clientset{cs}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return inj
}

// clientset is the injector's Client on client-go's (fake) clientset.
type clientset struct{ cs kubernetes.Interface }

func (c clientset) Deployments(ns string) aks.Deployments { return c.cs.AppsV1().Deployments(ns) }

// state returns "name=replicas[saved]" for every deployment of ns, sorted.
func state(t *testing.T, cs kubernetes.Interface, ns string) string {
	t.Helper()
	list, err := cs.AppsV1().Deployments(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range list.Items {
		s := fmt.Sprintf("%s=%d", d.Name, *d.Spec.Replicas)
		if saved, ok := d.Annotations[aks.Annotation]; ok {
			s += "[" + saved + "]"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func wantState(t *testing.T, cs kubernetes.Interface, ns, want string) {
	t.Helper()
	if got := state(t, cs, ns); got != want {
		t.Errorf("namespace %s: %s, want %s", ns, got, want)
	}
}

var selectorSpec = chaos.AKSSpec{Kubeconfig: "/k/eastus.yaml", Context: "aks-eastus", Namespace: "shop", LabelSelector: "app.kubernetes.io/part-of=shop"}

func TestSelectorScalesToZeroAndBack(t *testing.T) {
	ctx := context.Background()
	cs := cluster()
	var connected []string
	inj := injector(t, cs, selectorSpec, &connected)
	f, err := inj.Inject(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "api=0[2] web=0[3] worker=4")
	wantState(t, cs, "other", "web=5")
	if f.Undo != "scale deployments in shop back: api to 2, web to 3" {
		t.Errorf("undo %q", f.Undo)
	}
	if f.Injected.Before(f.Issued) {
		t.Errorf("injected %v before issued %v", f.Injected, f.Issued)
	}
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "api=2 web=3 worker=4")
	if strings.Join(connected, ",") != "/k/eastus.yaml@aks-eastus" {
		t.Errorf("connected to %q, want the spec's kubeconfig and context once", connected)
	}
}

func TestNamedDeployments(t *testing.T) {
	ctx := context.Background()
	cs := cluster()
	inj := injector(t, cs, chaos.AKSSpec{Namespace: "shop", Deployments: []string{"worker", "web"}}, nil)
	if _, err := inj.Inject(ctx); err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "api=2 web=0[3] worker=0[4]")
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "api=2 web=3 worker=4")
}

func TestIdempotentKeepsSavedCounts(t *testing.T) {
	ctx := context.Background()
	cs := cluster()
	inj := injector(t, cs, selectorSpec, nil)
	for range 2 {
		if _, err := inj.Inject(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// A second inject must not save 0 as the count to restore.
	wantState(t, cs, "shop", "api=0[2] web=0[3] worker=4")
	// Someone scales web up during the fault: inject again puts it back to 0, keeping 3.
	scale(t, cs, "shop", "web", 7)
	if _, err := injector(t, cs, selectorSpec, nil).Inject(ctx); err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "api=0[2] web=0[3] worker=4")
	for range 2 {
		if err := inj.Heal(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wantState(t, cs, "shop", "api=2 web=3 worker=4")
}

func scale(t *testing.T, cs kubernetes.Interface, ns, name string, n int32) {
	t.Helper()
	d, err := cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = &n
	if _, err := cs.AppsV1().Deployments(ns).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestHealFromPersistedSpec(t *testing.T) {
	// The run that injected is gone; `slocheck heal DIR` rebuilds the
	// injector from the spec in faults.json and finds the counts on the
	// deployments.
	ctx := context.Background()
	cs := cluster()
	spec := chaos.Spec{Kind: chaos.KindAKS, Name: "eastus-down", AKS: &selectorSpec}
	if _, err := injector(t, cs, *spec.AKS, nil).Inject(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var back chaos.Spec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := injector(t, cs, *back.AKS, nil).Heal(ctx); err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "api=2 web=3 worker=4")
}

func TestHealLeavesUnannotatedAlone(t *testing.T) {
	cs := cluster()
	scale(t, cs, "shop", "api", 0) // scaled to 0 by someone else, not by a fault
	if err := injector(t, cs, selectorSpec, nil).Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "api=0 web=3 worker=4")
}

func TestDefaultReplicasIsOne(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset(deployment("shop", "web", nil, nil))
	inj := injector(t, cs, chaos.AKSSpec{Namespace: "shop", Deployments: []string{"web"}}, nil)
	if _, err := inj.Inject(ctx); err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "web=0[1]")
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	wantState(t, cs, "shop", "web=1")
}

func TestNothingToInject(t *testing.T) {
	ctx := context.Background()
	cs := cluster()
	_, err := injector(t, cs, chaos.AKSSpec{Namespace: "shop", LabelSelector: "app=nope"}, nil).Inject(ctx)
	if !errors.Is(err, aks.ErrNoDeployments) {
		t.Errorf("inject matching nothing: %v, want ErrNoDeployments", err)
	}
	_, err = injector(t, cs, chaos.AKSSpec{Namespace: "shop", Deployments: []string{"web", "gone"}}, nil).Inject(ctx)
	if err == nil || !strings.Contains(err.Error(), "shop/gone") {
		t.Errorf("inject of a missing deployment: %v", err)
	}
	wantState(t, cs, "shop", "api=2 web=3 worker=4") // checked before any change
	if err := injector(t, cs, chaos.AKSSpec{Namespace: "shop", Deployments: []string{"gone"}}, nil).Heal(ctx); err != nil {
		t.Errorf("heal of a missing deployment: %v, want nothing to do", err)
	}
}

func TestUpdateErrorSurfacesAndHealTriesAll(t *testing.T) {
	ctx := context.Background()
	cs := cluster()
	inj := injector(t, cs, selectorSpec, nil)
	if _, err := inj.Inject(ctx); err != nil {
		t.Fatal(err)
	}
	cs.PrependReactor("update", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.(k8stesting.UpdateAction).GetObject().(*appsv1.Deployment).Name == "api" {
			return true, nil, errors.New("admission webhook denied")
		}
		return false, nil, nil
	})
	err := inj.Heal(ctx)
	if err == nil || !strings.Contains(err.Error(), "restore shop/api: admission webhook denied") {
		t.Fatalf("heal: %v, want the api failure with context", err)
	}
	wantState(t, cs, "shop", "api=0[2] web=3 worker=4") // web healed despite api
}

func TestBadAnnotation(t *testing.T) {
	d := deployment("shop", "web", new(int32(0)), nil)
	d.Annotations = map[string]string{aks.Annotation: "lots"}
	err := injector(t, fake.NewClientset(d), chaos.AKSSpec{Namespace: "shop", Deployments: []string{"web"}}, nil).Heal(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"lots" is not a replica count`) {
		t.Errorf("heal with a bad annotation: %v", err)
	}
}

func TestNewChecksSpec(t *testing.T) {
	for _, s := range []chaos.AKSSpec{
		{Namespace: "shop"},
		{Deployments: []string{"web"}},
		{Namespace: "shop", Deployments: []string{"web"}, LabelSelector: "a=b"},
		{Namespace: "shop", LabelSelector: "a in (b"},
	} {
		if _, err := aks.New(s, aks.Config{}); err == nil {
			t.Errorf("New(%+v) accepted", s)
		}
	}
	inj, err := chaos.Build(chaos.Spec{Kind: chaos.KindAKS, Name: "a", AKS: &selectorSpec}, chaos.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inj.(*aks.Injector); !ok {
		t.Errorf("built %T", inj)
	}
}

// apiServer is a loopback Kubernetes API server holding one namespace's
// deployments (apps/v1 GET, LIST with a label selector, PUT), enough for
// DefaultClient's REST client to be tested against real HTTP and JSON.
func apiServer(t *testing.T, deps ...*appsv1.Deployment) *httptest.Server {
	var mu sync.Mutex
	store := map[string]*appsv1.Deployment{}
	for _, d := range deps {
		d.APIVersion, d.Kind = "apps/v1", "Deployment"
		store[d.Namespace+"/"+d.Name] = d
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		rest, ok := strings.CutPrefix(r.URL.Path, "/apis/apps/v1/namespaces/")
		ns, name, _ := strings.Cut(rest, "/deployments")
		name = strings.TrimPrefix(name, "/")
		switch {
		case ok && name == "" && r.Method == http.MethodGet:
			sel, err := labels.Parse(r.URL.Query().Get("labelSelector"))
			if err != nil {
				t.Errorf("label selector: %v", err)
			}
			list := appsv1.DeploymentList{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DeploymentList"}}
			for _, d := range store {
				if d.Namespace == ns && sel.Matches(labels.Set(d.Labels)) {
					list.Items = append(list.Items, *d)
				}
			}
			_ = json.NewEncoder(w).Encode(list)
		case ok && store[ns+"/"+name] != nil && r.Method == http.MethodGet:
			_ = json.NewEncoder(w).Encode(store[ns+"/"+name])
		case ok && store[ns+"/"+name] != nil && r.Method == http.MethodPut:
			var d appsv1.Deployment
			if err := json.NewDecoder(r.Body).Decode(&d); err != nil || d.Name != name {
				http.Error(w, "bad body", http.StatusBadRequest)
				return
			}
			d.APIVersion, d.Kind = "apps/v1", "Deployment"
			store[ns+"/"+name] = &d
			_ = json.NewEncoder(w).Encode(&d)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"%s not found"}`, r.URL.Path)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// kubeconfig writes a kubeconfig of one context per server (the first
// current) into a new $HOME and returns its path.
func kubeconfig(t *testing.T, servers map[string]*httptest.Server, current string) string {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cfg := "apiVersion: v1\nkind: Config\ncurrent-context: " + current + "\nusers:\n- {name: u, user: {}}\nclusters:\n"
	var ctxs string
	for name, s := range servers {
		cfg += fmt.Sprintf("- {name: %s, cluster: {server: %q}}\n", name, s.URL)
		ctxs += fmt.Sprintf("- {name: %s, context: {cluster: %s, user: u}}\n", name, name)
	}
	path := filepath.Join(home, "config")
	if err := os.WriteFile(path, []byte(cfg+"contexts:\n"+ctxs), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDefaultClientUsesContext checks that DefaultClient connects to the
// cluster of the kubeconfig context asked for (two API servers on loopback).
func TestDefaultClientUsesContext(t *testing.T) {
	east := apiServer(t, deployment("shop", "web", new(int32(3)), map[string]string{"cluster": "east"}))
	west := apiServer(t, deployment("shop", "web", new(int32(3)), map[string]string{"cluster": "west"}))
	path := kubeconfig(t, map[string]*httptest.Server{"east": east, "west": west}, "east")
	for ctxName, want := range map[string]string{"": "east", "west": "west"} {
		c, err := aks.DefaultClient("~/config", ctxName) // ~ is $HOME
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Deployments("shop").Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Labels["cluster"]; got != want {
			t.Errorf("context %q reached %s, want %s", ctxName, got, want)
		}
	}
	if _, err := aks.DefaultClient(path, "nope"); err == nil {
		t.Error("unknown context accepted")
	}
}

// TestDefaultClientScalesOverHTTP runs an inject and a heal through
// DefaultClient's REST client against a loopback API server: the selector
// goes out as the LIST's labelSelector, the PUTs land, the counts come back.
func TestDefaultClientScalesOverHTTP(t *testing.T) {
	shop := map[string]string{"app.kubernetes.io/part-of": "shop"}
	srv := apiServer(t, deployment("shop", "web", new(int32(3)), shop), deployment("shop", "api", nil, shop),
		deployment("shop", "worker", new(int32(4)), nil))
	kubeconfig(t, map[string]*httptest.Server{"c": srv}, "c")
	c, err := aks.DefaultClient("~/config", "")
	if err != nil {
		t.Fatal(err)
	}
	cs := func(string, string) (aks.Client, error) { return c, nil }
	inj, err := aks.New(selectorSpec, aks.Config{NewClient: cs})
	if err != nil {
		t.Fatal(err)
	}
	replicas := func() string {
		var out []string
		for _, n := range []string{"api", "web", "worker"} {
			d, err := c.Deployments("shop").Get(context.Background(), n, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s=%d[%s]", n, *d.Spec.Replicas, d.Annotations[aks.Annotation]))
		}
		return strings.Join(out, " ")
	}
	if _, err := inj.Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := replicas(), "api=0[1] web=0[3] worker=4[]"; got != want {
		t.Errorf("after inject: %s, want %s", got, want)
	}
	if err := inj.Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := replicas(), "api=1[] web=3[] worker=4[]"; got != want {
		t.Errorf("after heal: %s, want %s", got, want)
	}
	_, err = c.Deployments("shop").Get(context.Background(), "gone", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("missing deployment: %v, want a NotFound status error", err)
	}
}
