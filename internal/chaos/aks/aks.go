// Package aks takes a region's workload down by scaling the matching
// deployments of one Kubernetes (AKS) cluster's namespace to zero replicas,
// and heals by scaling each back to the count it had.
//
// The count before the fault is written on the deployment itself, in the
// annotation slocheck.io/replicas-before-fault, in the same update that sets
// its replicas to zero. So the heal needs no memory of the inject: any
// process (also `slocheck heal DIR` after a crash) restores the counts from
// the cluster, and a second Inject never overwrites a saved count with zero.
// Deployments without the annotation are never touched by a heal.
//
// The cluster is reached with a kubeconfig and context (client-go's loading
// rules: empty means $KUBECONFIG or ~/.kube/config, and its current context).
package aks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/retry"

	"github.com/slocheck/slocheck/internal/chaos"
)

// Annotation holds, on a scaled-down deployment, its replica count before
// the fault.
const Annotation = "slocheck.io/replicas-before-fault"

// ErrNoDeployments is returned by Inject when nothing matches the spec: a
// fault that changes nothing would make the run measure nothing.
var ErrNoDeployments = errors.New("no deployment matches")

// Config holds what the injector needs besides its spec.
type Config struct {
	// NewClient connects to the cluster of a kubeconfig and context; nil
	// means DefaultClient.
	NewClient func(kubeconfig, context string) (Client, error)
}

// Injector scales deployments to zero.
type Injector struct {
	spec     chaos.AKSSpec
	selector labels.Selector // nil when the spec names deployments
	cfg      Config

	mu       sync.Mutex
	client   Client
	injected time.Time
}

var _ chaos.Injector = (*Injector)(nil)

func init() {
	chaos.Register(chaos.KindAKS, func(s chaos.Spec, _ chaos.Env) (chaos.Injector, error) {
		if s.AKS == nil {
			return nil, errors.New("aks fault: no aks configuration")
		}
		return New(*s.AKS, Config{})
	})
}

// New returns the fault spec describes: a namespace and either deployment
// names or a label selector. The cluster is not contacted until Inject or
// Heal.
func New(spec chaos.AKSSpec, cfg Config) (*Injector, error) {
	if spec.Namespace == "" {
		return nil, errors.New("aks fault: namespace is empty")
	}
	i := &Injector{spec: spec, cfg: cfg}
	switch sel := strings.TrimSpace(spec.LabelSelector); {
	case len(spec.Deployments) > 0 && sel != "":
		return nil, errors.New("aks fault: give deployments or a label selector, not both")
	case len(spec.Deployments) == 0 && sel == "":
		return nil, errors.New("aks fault: give deployments or a label selector")
	case sel != "":
		s, err := labels.Parse(sel)
		if err != nil {
			return nil, fmt.Errorf("aks fault: label selector: %w", err)
		}
		i.selector = s
	}
	if i.cfg.NewClient == nil {
		i.cfg.NewClient = DefaultClient
	}
	return i, nil
}

// Inject scales every matching deployment to zero, saving its replica count
// in the Annotation, and returns once the API server accepted the last one.
func (i *Injector) Inject(ctx context.Context) (chaos.Fault, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	issued := time.Now()
	c, err := i.clientLocked()
	if err != nil {
		return chaos.Fault{}, err
	}
	names, err := i.targets(ctx, c, true)
	if err != nil {
		return chaos.Fault{}, err
	}
	undo := make([]string, 0, len(names))
	for _, name := range names {
		before, err := scaleDown(ctx, c, i.spec.Namespace, name)
		if err != nil {
			return chaos.Fault{}, fmt.Errorf("aks: scale %s/%s to 0: %w", i.spec.Namespace, name, err)
		}
		undo = append(undo, fmt.Sprintf("%s to %d", name, before))
	}
	if i.injected.IsZero() {
		i.injected = time.Now()
	}
	return chaos.Fault{Issued: issued, Injected: i.injected, Undo: "scale deployments in " + i.spec.Namespace + " back: " + strings.Join(undo, ", ")}, nil
}

// Heal scales every matching deployment that carries the Annotation back to
// the count it holds, and removes it. It tries them all and reports every
// failure.
func (i *Injector) Heal(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	c, err := i.clientLocked()
	if err != nil {
		return err
	}
	names, err := i.targets(ctx, c, false)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		if err := restore(ctx, c, i.spec.Namespace, name); err != nil {
			errs = append(errs, fmt.Errorf("aks: restore %s/%s: %w", i.spec.Namespace, name, err))
		}
	}
	if len(errs) == 0 {
		i.injected = time.Time{}
	}
	return errors.Join(errs...)
}

// targets returns the names of the deployments the spec means, sorted. For
// an inject every named deployment must exist; a heal skips missing ones.
func (i *Injector) targets(ctx context.Context, c Client, inject bool) ([]string, error) {
	deps := c.Deployments(i.spec.Namespace)
	var names []string
	if i.selector != nil {
		list, err := deps.List(ctx, metav1.ListOptions{LabelSelector: i.selector.String()})
		if err != nil {
			return nil, fmt.Errorf("aks: list deployments in %s (%s): %w", i.spec.Namespace, i.selector, err)
		}
		for _, d := range list.Items {
			names = append(names, d.Name)
		}
	}
	for _, name := range i.spec.Deployments {
		_, err := deps.Get(ctx, name, metav1.GetOptions{})
		switch {
		case err == nil:
			names = append(names, name)
		case apierrors.IsNotFound(err) && !inject:
		default:
			return nil, fmt.Errorf("aks: get deployment %s/%s: %w", i.spec.Namespace, name, err)
		}
	}
	if inject && len(names) == 0 {
		return nil, fmt.Errorf("aks: %w label selector %q in namespace %s", ErrNoDeployments, i.selector, i.spec.Namespace)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// scaleDown sets a deployment's replicas to zero and returns the count it had
// before the fault: the saved one when a previous Inject already saved it.
func scaleDown(ctx context.Context, c Client, ns, name string) (int32, error) {
	var before int32
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d, err := c.Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if saved, ok := d.Annotations[Annotation]; ok {
			if before, err = parseReplicas(saved); err != nil {
				return err
			}
			if replicas(d) == 0 {
				return nil
			}
		} else {
			before = replicas(d)
			if d.Annotations == nil {
				d.Annotations = map[string]string{}
			}
			d.Annotations[Annotation] = strconv.Itoa(int(before))
		}
		d.Spec.Replicas = new(int32(0))
		_, err = c.Deployments(ns).Update(ctx, d, metav1.UpdateOptions{})
		return err
	})
	return before, err
}

// restore scales a deployment back to its saved count and drops the
// annotation; a deployment without one is left alone.
func restore(ctx context.Context, c Client, ns, name string) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d, err := c.Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		saved, ok := d.Annotations[Annotation]
		if !ok {
			return nil
		}
		n, err := parseReplicas(saved)
		if err != nil {
			return err
		}
		d.Spec.Replicas = &n
		delete(d.Annotations, Annotation)
		_, err = c.Deployments(ns).Update(ctx, d, metav1.UpdateOptions{})
		return err
	})
}

// replicas is a deployment's desired count (Kubernetes defaults it to 1).
func replicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func parseReplicas(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("annotation %s=%q is not a replica count", Annotation, s)
	}
	return int32(n), nil
}

// clientLocked connects on first use; i.mu is held.
func (i *Injector) clientLocked() (Client, error) {
	if i.client != nil {
		return i.client, nil
	}
	c, err := i.cfg.NewClient(i.spec.Kubeconfig, i.spec.Context)
	if err != nil {
		return nil, fmt.Errorf("aks: connect (kubeconfig %q, context %q): %w", i.spec.Kubeconfig, i.spec.Context, err)
	}
	i.client = c
	return c, nil
}
