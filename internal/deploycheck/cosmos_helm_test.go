package deploycheck

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/strvals"
)

// cosmosSets are the Cosmos DB values the release pipeline takes from
// terraform's outputs.
const cosmosSets = "cosmos.endpoint=https://cosmos-shop.documents.azure.com:443/,cosmos.database=shop,cosmos.container=orders,cosmos.location=East US"

// TestShopChartCosmos renders the shop chart with Cosmos DB settings, as
// `helm template` does, decodes it strictly and checks that the Deployment
// is identity-enabled (the workload identity label, a service account
// token, the annotated service account) and passes every setting as the
// shop's SLOCHECK_COSMOS_* variables, with no key among them.
func TestShopChartCosmos(t *testing.T) {
	vals := shopValues(t, "prod", "eastus")
	if err := strvals.ParseInto(cosmosSets, vals); err != nil {
		t.Fatal(err)
	}
	lint(t, "slocheck-shop", "shop", vals)
	s := collectShop(t, render(t, "slocheck-shop", "shop", vals))
	pod := s.dep.Spec.Template
	if pod.Labels["azure.workload.identity/use"] != "true" || pod.Spec.AutomountServiceAccountToken == nil || !*pod.Spec.AutomountServiceAccountToken ||
		pod.Spec.ServiceAccountName != "shop" || s.sa.Annotations["azure.workload.identity/client-id"] != "00000000-0000-0000-0000-0000000000aa" {
		t.Errorf("not identity-enabled: labels %v, automount %v, service account %q %v", pod.Labels, pod.Spec.AutomountServiceAccountToken, pod.Spec.ServiceAccountName, s.sa.Annotations)
	}
	c := pod.Spec.Containers[0]
	if c.ReadinessProbe.HTTPGet.Path != "/health" || c.LivenessProbe.HTTPGet.Path != "/livez" {
		t.Errorf("readiness %s, liveness %s: want /health (the database counts) and /livez (a Cosmos DB outage restarts no pod)",
			c.ReadinessProbe.HTTPGet.Path, c.LivenessProbe.HTTPGet.Path)
	}
	env := map[string]string{}
	for _, e := range pod.Spec.Containers[0].Env {
		env[e.Name] = e.Value
		if e.Name == "SLOCHECK_COSMOS_KEY" || e.ValueFrom != nil {
			t.Errorf("env %s: the shop gets no key, it signs in with workload identity", e.Name)
		}
	}
	want := map[string]string{"SLOCHECK_COSMOS_ENDPOINT": "https://cosmos-shop.documents.azure.com:443/", "SLOCHECK_COSMOS_DATABASE": "shop",
		"SLOCHECK_COSMOS_CONTAINER": "orders", "SLOCHECK_COSMOS_PARTITION_KEY_PATH": "/id", "SLOCHECK_COSMOS_LOCATION": "East US"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
}

// Without an identity, or without database and container, the chart
// refuses Cosmos DB settings rather than render a shop that cannot sign in.
func TestShopChartCosmosRefuses(t *testing.T) {
	for sets, says := range map[string]string{
		"serviceAccount.workloadIdentityClientId=," + cosmosSets: "needs serviceAccount.workloadIdentityClientId",
		cosmosSets + ",cosmos.container=":                        "needs cosmos.database and cosmos.container",
	} {
		vals := shopValues(t, "prod", "eastus")
		if err := strvals.ParseInto(sets, vals); err != nil {
			t.Fatal(err)
		}
		ch, err := loader.Load(chartDir(t, "slocheck-shop"))
		if err != nil {
			t.Fatal(err)
		}
		inst := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
		inst.DryRun, inst.ClientOnly, inst.ReleaseName, inst.Namespace, inst.KubeVersion = true, true, "slocheck-shop", "shop", kubeVersion
		if _, err := inst.Run(ch, vals); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("--set %s: %v, want an error saying %q", sets, err, says)
		}
	}
}
