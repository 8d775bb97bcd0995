package aks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Client is the part of the Kubernetes API the injector uses: the apps/v1
// deployments of a namespace. client-go's clientset gives one with
// func(ns string) Deployments { return cs.AppsV1().Deployments(ns) }.
type Client interface {
	Deployments(namespace string) Deployments
}

// Deployments reads and updates the deployments of one namespace; client-go's
// typed DeploymentInterface satisfies it.
type Deployments interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*appsv1.Deployment, error)
	List(ctx context.Context, opts metav1.ListOptions) (*appsv1.DeploymentList, error)
	Update(ctx context.Context, d *appsv1.Deployment, opts metav1.UpdateOptions) (*appsv1.Deployment, error)
}

// scheme knows apps/v1 only. The injector talks to the API server through
// client-go's REST client with it, as the generated typed client does, but
// without linking the full clientset: its scheme registers every API group
// of Kubernetes at start-up, which was most of slocheck's start-up time and
// two thirds of its binary, for a run that scales one kind of object (or,
// mostly, none). It is built on first use, for the same reason.
var scheme = sync.OnceValues(func() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := appsv1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("aks: apps/v1 scheme: %w", err)
	}
	return s, nil
})

// DefaultClient connects with client-go's kubeconfig loading rules:
// kubeconfig "" means $KUBECONFIG or ~/.kube/config, context "" its current
// context; a leading "~/" is the home directory (no shell expands it in a
// scenario file). Exec credential plugins (kubelogin for Entra ID) work as in
// kubectl.
func DefaultClient(kubeconfig, kubeContext string) (Client, error) {
	if rest, ok := strings.CutPrefix(kubeconfig, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
		}
		kubeconfig = filepath.Join(home, rest)
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	sch, err := scheme()
	if err != nil {
		return nil, err
	}
	c := *cfg
	c.GroupVersion = &appsv1.SchemeGroupVersion
	c.APIPath = "/apis"
	c.NegotiatedSerializer = serializer.NewCodecFactory(sch).WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	rc, err := rest.RESTClientFor(&c)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return restClient{rc, runtime.NewParameterCodec(sch)}, nil
}

type restClient struct {
	rc     *rest.RESTClient
	params runtime.ParameterCodec
}

func (c restClient) Deployments(ns string) Deployments { return restDeployments{c.rc, c.params, ns} }

// restDeployments is client-go's typed deployments client, by hand: a GET,
// a LIST and a PUT of /apis/apps/v1/namespaces/NS/deployments[/NAME].
type restDeployments struct {
	rc     *rest.RESTClient
	params runtime.ParameterCodec
	ns     string
}

func (d restDeployments) Get(ctx context.Context, name string, opts metav1.GetOptions) (*appsv1.Deployment, error) {
	out := &appsv1.Deployment{}
	err := d.rc.Get().Namespace(d.ns).Resource("deployments").Name(name).
		VersionedParams(&opts, d.params).Do(ctx).Into(out)
	return out, err
}

func (d restDeployments) List(ctx context.Context, opts metav1.ListOptions) (*appsv1.DeploymentList, error) {
	out := &appsv1.DeploymentList{}
	err := d.rc.Get().Namespace(d.ns).Resource("deployments").
		VersionedParams(&opts, d.params).Do(ctx).Into(out)
	return out, err
}

func (d restDeployments) Update(ctx context.Context, dep *appsv1.Deployment, opts metav1.UpdateOptions) (*appsv1.Deployment, error) {
	out := &appsv1.Deployment{}
	err := d.rc.Put().Namespace(d.ns).Resource("deployments").Name(dep.Name).
		VersionedParams(&opts, d.params).Body(dep).Do(ctx).Into(out)
	return out, err
}
