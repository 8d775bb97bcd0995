package deploycheck

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint/support"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/strvals"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/slocheck/slocheck/internal/scenario"
)

// kubeVersion is the AKS version the charts are rendered for (they require >= 1.29).
var kubeVersion = &chartutil.KubeVersion{Version: "v1.33.0", Major: "1", Minor: "33"}

// strict decodes Kubernetes manifests with client-go's scheme, refusing
// unknown and duplicate fields, as `kubectl apply --validate=strict` would.
var strict = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// testImage is set as the image so that the test can see it is a value.
const testImage = "registry.example.com/team/own-shop"

func chartDir(t testing.TB, name string) string {
	return filepath.Join(repoRoot(t), "deploy", "helm", name)
}

// valuesFor reads a values file of chart and applies sets (helm's --set syntax).
func valuesFor(t testing.TB, chart, file, sets string) map[string]any {
	t.Helper()
	vals, err := chartutil.ReadValuesFile(filepath.Join(chartDir(t, chart), file))
	if err != nil {
		t.Fatal(err)
	}
	m := vals.AsMap()
	if err := strvals.ParseInto(sets, m); err != nil {
		t.Fatalf("--set %s: %v", sets, err)
	}
	return m
}

// render renders chart with vals as `helm template` does (client only) and
// decodes every manifest strictly.
func render(t testing.TB, chart, namespace string, vals map[string]any) []runtime.Object {
	t.Helper()
	ch, err := loader.Load(chartDir(t, chart))
	if err != nil {
		t.Fatal(err)
	}
	inst := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	inst.DryRun, inst.ClientOnly, inst.Replace = true, true, true
	inst.ReleaseName, inst.Namespace, inst.KubeVersion = chart, namespace, kubeVersion
	rel, err := inst.Run(ch, vals)
	if err != nil {
		t.Fatalf("render %s: %v", chart, err)
	}
	manifests := releaseutil.SplitManifests(rel.Manifest)
	var objs []runtime.Object
	for _, name := range slices.Sorted(maps.Keys(manifests)) {
		obj, err := decodeStrict(manifests[name])
		if err != nil {
			t.Errorf("%s: %v\n%s", chart, err, manifests[name])
			continue
		}
		objs = append(objs, obj)
	}
	return objs
}

func decodeStrict(manifest string) (runtime.Object, error) {
	obj, gvk, err := strict.Decode([]byte(manifest), nil, nil)
	if err != nil {
		return nil, fmt.Errorf("strict decode: %w", err)
	}
	if gvk.Version == "" || gvk.Kind == "" {
		return nil, fmt.Errorf("manifest without apiVersion or kind")
	}
	return obj, nil
}

// lint runs helm's own linter (helm lint --strict) with vals.
func lint(t testing.TB, chart, namespace string, vals map[string]any) {
	t.Helper()
	l := action.NewLint()
	l.Strict, l.Namespace, l.KubeVersion = true, namespace, kubeVersion
	res := l.Run([]string{chartDir(t, chart)}, vals)
	for _, m := range res.Messages {
		if m.Severity >= support.WarningSev {
			t.Errorf("helm lint %s: %s", chart, m)
		}
	}
	for _, err := range res.Errors {
		t.Errorf("helm lint %s: %v", chart, err)
	}
	if res.TotalChartsLinted != 1 {
		t.Errorf("helm lint %s: %d charts linted", chart, res.TotalChartsLinted)
	}
}

// The strict decoder is strict: an unknown field fails, as a typo would.
func TestStrictDecodeRefusesUnknownFields(t *testing.T) {
	good := "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n"
	if _, err := decodeStrict(good); err != nil {
		t.Fatalf("valid manifest refused: %v", err)
	}
	for name, bad := range map[string]string{
		"unknown field":  "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  portz: [{port: 80}]\n",
		"duplicate":      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n  ports: [{port: 81}]\n",
		"wrong type":     "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: eighty}]\n",
		"unknown kind":   "apiVersion: v1\nkind: Servise\nmetadata: {name: s}\n",
		"probe misnamed": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i, readinessProbe: {httpGet: {paths: /health, port: 80}}}]\n",
	} {
		if _, err := decodeStrict(bad); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// shopValues are the values the release pipeline gives one region's cluster.
func shopValues(t testing.TB, env, region string) map[string]any {
	return valuesFor(t, "slocheck-shop", "values-"+env+".yaml",
		"region="+region+",image.repository="+testImage+",image.tag=4242,service.loadBalancerIP=10.30.3.250,serviceAccount.workloadIdentityClientId=00000000-0000-0000-0000-0000000000aa")
}

func TestShopChart(t *testing.T) {
	for _, env := range []string{"dev", "staging", "prod"} {
		for _, region := range []string{"eastus", "westeurope"} {
			t.Run(env+"/"+region, func(t *testing.T) {
				vals := shopValues(t, env, region)
				lint(t, "slocheck-shop", "shop", vals)
				checkShop(t, env, region, render(t, "slocheck-shop", "shop", vals))
			})
		}
	}
}

// shopObjects are the rendered shop chart's objects by kind.
type shopObjects struct {
	dep *appsv1.Deployment
	svc *corev1.Service
	pdb *policyv1.PodDisruptionBudget
	hpa *autoscalingv2.HorizontalPodAutoscaler
	sa  *corev1.ServiceAccount
}

func collectShop(t *testing.T, objs []runtime.Object) shopObjects {
	t.Helper()
	var s shopObjects
	for _, o := range objs {
		switch o := o.(type) {
		case *appsv1.Deployment:
			s.dep = o
		case *corev1.Service:
			s.svc = o
		case *policyv1.PodDisruptionBudget:
			s.pdb = o
		case *autoscalingv2.HorizontalPodAutoscaler:
			s.hpa = o
		case *corev1.ServiceAccount:
			s.sa = o
		default:
			t.Errorf("unexpected object %T", o)
		}
	}
	if s.dep == nil || s.svc == nil || s.pdb == nil || s.hpa == nil || s.sa == nil {
		t.Fatalf("want a Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler and ServiceAccount, got %+v", s)
	}
	return s
}

func checkShop(t *testing.T, env, region string, objs []runtime.Object) {
	s := collectShop(t, objs)
	pod := s.dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != testImage+":4242" {
		t.Errorf("image %q: the image must come from image.repository and image.tag", c.Image)
	}
	wantArgs := []string{"shop", "--region=" + region}
	if len(c.Args) < 2 || !slices.Equal(c.Args[:2], wantArgs) {
		t.Errorf("args %v, want %v first", c.Args, wantArgs)
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/health" || p.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe %+v: want GET /health on the http port", name, p)
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" {
		t.Errorf("ports %+v: want one named http", c.Ports)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("%s: request %s, limit %s: want both, request <= limit", r, req.String(), lim.String())
		}
	}
	checkPodSecurity(t, pod.SecurityContext, c.SecurityContext)
	if s.svc.Spec.Type != corev1.ServiceTypeLoadBalancer || s.svc.Annotations["service.beta.kubernetes.io/azure-load-balancer-internal"] != "true" ||
		s.svc.Annotations["service.beta.kubernetes.io/azure-load-balancer-ipv4"] != "10.30.3.250" {
		t.Errorf("service %s %v: want an internal load balancer on the firewall's DNAT address", s.svc.Spec.Type, s.svc.Annotations)
	}
	// terraform/modules/platform: the firewall DNATs to port 80 of the internal load balancer.
	if len(s.svc.Spec.Ports) != 1 || s.svc.Spec.Ports[0].Port != 80 || s.svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("service ports %+v: want 80 -> http", s.svc.Spec.Ports)
	}
	checkSelects(t, s.svc.Spec.Selector, s.dep.Spec.Template.Labels, "service")
	checkSelects(t, s.pdb.Spec.Selector.MatchLabels, s.dep.Spec.Template.Labels, "pdb")
	if ref := s.hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != s.dep.Name {
		t.Errorf("hpa scales %s/%s, want Deployment/%s", ref.Kind, ref.Name, s.dep.Name)
	}
	if s.dep.Spec.Replicas != nil {
		t.Error("with the HPA on, the Deployment must not set replicas (each upgrade would reset the HPA's count)")
	}
	min := *s.hpa.Spec.MinReplicas
	if s.pdb.Spec.MinAvailable == nil || int32(s.pdb.Spec.MinAvailable.IntValue()) >= min || min < 2 {
		t.Errorf("pdb minAvailable %v, hpa minReplicas %d: want 2+ replicas and minAvailable below them, or nodes never drain", s.pdb.Spec.MinAvailable, min)
	}
	if s.sa.Name != "shop" || s.sa.Annotations["azure.workload.identity/client-id"] == "" || pod.ServiceAccountName != "shop" ||
		s.dep.Spec.Template.Labels["azure.workload.identity/use"] != "true" {
		t.Error("the shop runs as service account shop with its workload identity (terraform's federated credential subject system:serviceaccount:shop:shop)")
	}
}

func checkPodSecurity(t *testing.T, pod *corev1.PodSecurityContext, c *corev1.SecurityContext) {
	t.Helper()
	if pod == nil || pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot || pod.RunAsUser == nil || *pod.RunAsUser == 0 {
		t.Errorf("pod security context %+v: want non-root", pod)
	}
	if c == nil || c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation || c.ReadOnlyRootFilesystem == nil || !*c.ReadOnlyRootFilesystem {
		t.Errorf("container security context %+v: want no privilege escalation and a read-only root", c)
	}
}

// checkSelects: selector is non-empty and matches labels.
func checkSelects(t *testing.T, selector, labels map[string]string, what string) {
	t.Helper()
	if len(selector) == 0 {
		t.Errorf("%s: empty selector", what)
	}
	for k, v := range selector {
		if labels[k] != v {
			t.Errorf("%s selector %s=%s does not match the pods' labels %v", what, k, v, labels)
		}
	}
}

// A release without a region, or with a PDB that blocks every drain, does not render.
func TestShopChartRefusesBadValues(t *testing.T) {
	for name, sets := range map[string]string{
		"no region":    "image.tag=1",
		"pdb too high": "region=eastus,podDisruptionBudget.minAvailable=6",
	} {
		ch, err := loader.Load(chartDir(t, "slocheck-shop"))
		if err != nil {
			t.Fatal(err)
		}
		inst := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
		inst.DryRun, inst.ClientOnly, inst.ReleaseName, inst.KubeVersion = true, true, "s", kubeVersion
		if _, err := inst.Run(ch, valuesFor(t, "slocheck-shop", "values-prod.yaml", sets)); err == nil {
			t.Errorf("%s: rendered without error", name)
		}
	}
}

func TestGeneratorChart(t *testing.T) {
	for _, region := range []string{"eastus", "westeurope"} {
		t.Run(region, func(t *testing.T) {
			vals := valuesFor(t, "slocheck-generator", "values-"+region+".yaml",
				"target.url=https://slocheck-prod-ab12c.z01.azurefd.net,runId=20261124T100000Z,image.repository="+testImage+",image.tag=4242,serviceAccount.workloadIdentityClientId=00000000-0000-0000-0000-0000000000bb")
			lint(t, "slocheck-generator", "slocheck", vals)
			checkGenerator(t, region, vals, render(t, "slocheck-generator", "slocheck", vals))
		})
	}
}

func checkGenerator(t *testing.T, region string, vals map[string]any, objs []runtime.Object) {
	var jobs []*batchv1.Job
	var cm, dash *corev1.ConfigMap
	var pvc *corev1.PersistentVolumeClaim
	for _, o := range objs {
		switch o := o.(type) {
		case *batchv1.Job:
			jobs = append(jobs, o)
		case *corev1.ConfigMap:
			if _, ok := o.Labels["grafana_dashboard"]; ok {
				dash = o
			} else {
				cm = o
			}
		case *corev1.PersistentVolumeClaim:
			pvc = o
		}
	}
	if len(jobs) != 1 || cm == nil || pvc == nil {
		t.Fatalf("want one Job, a ConfigMap and a PersistentVolumeClaim, got %d jobs, %v, %v", len(jobs), cm, pvc)
	}
	j := jobs[0]
	if j.Spec.BackoffLimit == nil || *j.Spec.BackoffLimit != 0 || j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Error("a load test must not be retried: backoffLimit 0, restartPolicy Never")
	}
	// The scenario the Job runs is valid for slocheck itself, for this region's clients only.
	s, err := scenario.Parse("configmap/scenario.yaml", []byte(cm.Data["scenario.yaml"]))
	if err != nil {
		t.Fatalf("the generator's scenario: %v\n%s", err, cm.Data["scenario.yaml"])
	}
	client := vals["clientRegion"].(string)
	if s.Target == nil || s.Target.URL != "https://slocheck-prod-ab12c.z01.azurefd.net" || len(s.Load.ClientRegions) != 1 || s.Load.ClientRegions[client] != 1 {
		t.Errorf("scenario target %+v, clients %v: want the Front Door URL and client region %s only", s.Target, s.Load.ClientRegions, client)
	}
	c := j.Spec.Template.Spec.Containers[0]
	if c.Image != testImage+":4242" {
		t.Errorf("image %q is not the value", c.Image)
	}
	if code := runCLI(t, append(slices.Clone(c.Args), "--help")); code != 0 {
		t.Errorf("slocheck %v: the real command line refuses it (exit %d)", c.Args, code)
	}
	wantOut := "--out=/reports/20261124t100000z/" + client
	if !slices.Contains(c.Args, wantOut) {
		t.Errorf("args %v: want %s (each generator its own results stream)", c.Args, wantOut)
	}
	checkPodSecurity(t, j.Spec.Template.Spec.SecurityContext, c.SecurityContext)
	if !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("reports volume %v: want ReadWriteMany (runs share it with whoever collects the reports)", pvc.Spec.AccessModes)
	}
	checkDashboardConfigMap(t, dash) // dashboard_test.go
	if j.Labels["topology.slocheck.io/region"] != region {
		t.Errorf("job labels %v: want region %s", j.Labels, region)
	}
}
