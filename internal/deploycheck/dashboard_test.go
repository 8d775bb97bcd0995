package deploycheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// checkDashboardConfigMap checks the generator chart's Grafana dashboard
// ConfigMap: the sidecar's label, and the dashboard exactly as
// deploy/grafana/slocheck.json (its queries are checked against a real
// scrape in internal/live's TestDashboardQueriesNameExportedMetrics).
func checkDashboardConfigMap(t *testing.T, cm *corev1.ConfigMap) {
	t.Helper()
	if cm == nil {
		t.Fatal("no ConfigMap labelled grafana_dashboard: Grafana's sidecar would not provision the dashboard")
	}
	if cm.Labels["grafana_dashboard"] != "1" {
		t.Errorf("dashboard ConfigMap labels %v: want grafana_dashboard=1", cm.Labels)
	}
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "grafana", "slocheck.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("deploy/grafana/slocheck.json: %v", err)
	}
	if err := json.Unmarshal([]byte(cm.Data["slocheck.json"]), &got); err != nil {
		t.Fatalf("the ConfigMap's slocheck.json is not JSON: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the ConfigMap's dashboard differs from deploy/grafana/slocheck.json")
	}
}
