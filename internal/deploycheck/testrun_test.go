package deploycheck

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/slocheck/slocheck/results"
)

// The k6-operator module does not resolve from the module proxy here, so
// its Go types are not available. testRun transcribes the part of the
// TestRun CRD's openAPIV3Schema (grafana/k6-operator,
// config/crd/bases/k6.io_testruns.yaml, apiVersion k6.io/v1alpha1; spec
// requires parallelism and script) that a manifest of ours may use, with
// the runner's Pod fields as client-go's core types, as the CRD declares
// them. Decoding with unknown fields refused is then the API server's
// structural-schema check: a misspelt or misplaced field, or a wrong type,
// fails.
type testRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Parallelism *int32 `json:"parallelism"` // required
		Script      *struct {
			ConfigMap *struct {
				Name string `json:"name"` // required
				File string `json:"file,omitempty"`
			} `json:"configMap,omitempty"`
			VolumeClaim *struct {
				Name     string `json:"name"` // required
				File     string `json:"file,omitempty"`
				ReadOnly bool   `json:"readOnly,omitempty"`
			} `json:"volumeClaim,omitempty"`
			LocalFile string `json:"localFile,omitempty"`
		} `json:"script"` // required
		Arguments string `json:"arguments,omitempty"`
		Cleanup   string `json:"cleanup,omitempty"` // enum: post
		Separate  bool   `json:"separate,omitempty"`
		Quiet     string `json:"quiet,omitempty"`
		Paused    string `json:"paused,omitempty"`
		Runner    struct {
			Image                    string                      `json:"image,omitempty"`
			ImagePullPolicy          corev1.PullPolicy           `json:"imagePullPolicy,omitempty"`
			Env                      []corev1.EnvVar             `json:"env,omitempty"`
			Resources                corev1.ResourceRequirements `json:"resources,omitempty"`
			SecurityContext          corev1.PodSecurityContext   `json:"securityContext,omitempty"`
			ContainerSecurityContext corev1.SecurityContext      `json:"containerSecurityContext,omitempty"`
			ServiceAccountName       string                      `json:"serviceAccountName,omitempty"`
			NodeSelector             map[string]string           `json:"nodeSelector,omitempty"`
			Tolerations              []corev1.Toleration         `json:"tolerations,omitempty"`
			VolumeMounts             []corev1.VolumeMount        `json:"volumeMounts,omitempty"`
			Volumes                  []corev1.Volume             `json:"volumes,omitempty"`
		} `json:"runner"`
	} `json:"spec"`
}

// decodeTestRun decodes a TestRun manifest strictly into testRun.
func decodeTestRun(b []byte) (*testRun, error) {
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.DisallowUnknownFields()
	var tr testRun
	if err := d.Decode(&tr); err != nil {
		return nil, err
	}
	return &tr, nil
}

// TestK6OperatorTestRun: the TestRun manifest decodes strictly against the
// CRD's schema, has what the CRD requires, runs our k6 image with the
// slocheck output writing one stream per runner ({segment}), mounts the
// reports volume where that output writes, and names in SLOCHECK_HEADER a
// header the stream accepts.
func TestK6OperatorTestRun(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "k6-operator", "testrun.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := decodeTestRun(b)
	if err != nil {
		t.Fatalf("testrun.yaml against the TestRun schema: %v", err)
	}
	s := tr.Spec
	if tr.APIVersion != "k6.io/v1alpha1" || tr.Kind != "TestRun" || s.Parallelism == nil || *s.Parallelism < 2 || s.Script == nil ||
		(s.Script.LocalFile == "" && s.Script.ConfigMap == nil && s.Script.VolumeClaim == nil) {
		t.Fatalf("TestRun %s/%s: parallelism and a script are required: %+v", tr.APIVersion, tr.Kind, s)
	}
	if s.Cleanup != "" && s.Cleanup != "post" {
		t.Errorf("cleanup %q: the CRD allows only post", s.Cleanup)
	}
	args := strings.Fields(s.Arguments)
	i := slices.Index(args, "--out")
	if i < 0 || i+1 >= len(args) || !strings.HasPrefix(args[i+1], "slocheck=/reports/") || !strings.Contains(args[i+1], "{segment}") {
		t.Fatalf("arguments %q: want --out slocheck=/reports/...{segment} (one stream per runner)", s.Arguments)
	}
	mounted := false
	for _, m := range s.Runner.VolumeMounts {
		mounted = mounted || (m.MountPath == "/reports" && slices.ContainsFunc(s.Runner.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name }))
	}
	if !mounted || !strings.Contains(s.Runner.Image, "slocheck-k6") || !strings.HasPrefix(s.Script.LocalFile, "/scripts/") {
		t.Errorf("runner %+v: want our k6 image, its /scripts, and the reports volume at /reports", s.Runner)
	}
	for _, e := range s.Runner.Env {
		if e.Name == "SLOCHECK_HEADER" {
			var h results.Header
			d := json.NewDecoder(strings.NewReader(e.Value))
			d.DisallowUnknownFields()
			if err := d.Decode(&h); err != nil || h.Scenario == "" || h.Started.IsZero() {
				t.Errorf("SLOCHECK_HEADER %s: %v; want the run's scenario and shared start", e.Value, err)
			}
		}
	}
	for _, bad := range []string{"spec:\n  parallelism: 2\n  script: {localFile: /x}\n  runner: {volumez: []}\n",
		"spec:\n  parallelism: two\n  script: {localFile: /x}\n"} {
		if _, err := decodeTestRun([]byte("apiVersion: k6.io/v1alpha1\nkind: TestRun\nmetadata: {name: x}\n" + bad)); err == nil {
			t.Errorf("a bad TestRun decoded: %q", bad)
		}
	}
}
