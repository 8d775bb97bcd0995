package deploycheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is the repository's top folder.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// pipelineDir is where the Azure Pipelines files live.
func pipelineDir(t testing.TB) string { return filepath.Join(repoRoot(t), ".azure-pipelines") }

// node is a decoded YAML mapping.
type node = map[string]any

var paramExpr = regexp.MustCompile(`\$\{\{\s*parameters\.([A-Za-z0-9_]+)\s*\}\}`)

// loadYAML reads and decodes one YAML file into a mapping.
func loadYAML(t testing.TB, path string) node {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var n node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

// templateParams are a template's declared parameters with their defaults
// (nil when the parameter has none).
func templateParams(t testing.TB, path string, doc node) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, p := range list(doc["parameters"]) {
		pm, ok := p.(node)
		if !ok || pm["name"] == nil {
			t.Fatalf("%s: a parameter must be a mapping with a name, got %v", path, p)
		}
		out[fmt.Sprint(pm["name"])] = pm["default"]
	}
	return out
}

// expandTemplate loads a template file with its parameters substituted
// (given values, else the defaults) and returns it decoded. A parameter the
// template does not declare, or one left without a value, fails the test.
func expandTemplate(t testing.TB, path string, given node) node {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("template %s: %v", path, err)
	}
	declared := templateParams(t, path, loadYAML(t, path))
	for name := range given {
		if _, ok := declared[name]; !ok {
			t.Fatalf("template %s: parameter %q is not declared", path, name)
		}
	}
	text := paramExpr.ReplaceAllStringFunc(string(raw), func(m string) string {
		name := paramExpr.FindStringSubmatch(m)[1]
		v, ok := given[name]
		if !ok {
			v = declared[name]
		}
		if v == nil {
			t.Fatalf("template %s: parameter %q has no value and no default", path, name)
		}
		return flow(v)
	})
	var doc node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("template %s after substitution: %v", path, err)
	}
	delete(doc, "parameters")
	return doc
}

// flow renders a parameter value as it is inserted into YAML text.
func flow(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = fmt.Sprint(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// list returns v as a list (nil when it is not one).
func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// str returns the string at key (empty when absent).
func str(n node, key string) string {
	if v, ok := n[key]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

// expandList replaces `- template: file` entries of a stages, jobs or steps
// list by the template's entries under key, recursively; dir is the folder
// template paths are relative to.
func expandList(t testing.TB, dir string, items []any, key string) []node {
	t.Helper()
	var out []node
	for _, it := range items {
		n, ok := it.(node)
		if !ok {
			t.Fatalf("%s entry %v is not a mapping", key, it)
		}
		tpl := str(n, "template")
		if tpl == "" {
			if _, ok := n[dirKey]; !ok {
				n[dirKey] = dir
			}
			out = append(out, n)
			continue
		}
		params, _ := n["parameters"].(node)
		path := filepath.Join(dir, tpl)
		doc := expandTemplate(t, path, params)
		if doc[key] == nil {
			t.Fatalf("template %s has no %s", path, key)
		}
		out = append(out, expandList(t, filepath.Dir(path), list(doc[key]), key)...)
	}
	return out
}

// dirKey records, in each expanded entry, the folder of the file it came
// from: templates it references are relative to that file.
const dirKey = "\x00dir"

// pipeline is one pipeline file with its templates expanded.
type pipeline struct {
	path   string
	doc    node
	stages []stage
}

type stage struct {
	node
	jobs []job
}

type job struct {
	node
	steps []node // deployment jobs: the runOnce deploy steps
}

// loadPipeline reads a pipeline file and expands its stage, job and step
// templates.
func loadPipeline(t testing.TB, name string) *pipeline {
	t.Helper()
	dir := pipelineDir(t)
	p := &pipeline{path: filepath.Join(dir, name)}
	p.doc = loadYAML(t, p.path)
	for _, s := range expandList(t, dir, list(p.doc["stages"]), "stages") {
		st := stage{node: s}
		for _, j := range expandList(t, str(s, dirKey), list(s["jobs"]), "jobs") {
			st.jobs = append(st.jobs, job{node: j, steps: expandList(t, str(j, dirKey), jobSteps(j), "steps")})
		}
		p.stages = append(p.stages, st)
	}
	return p
}

// jobSteps are a job's steps; for a deployment job, its runOnce deploy steps.
func jobSteps(j node) []any {
	if j["deployment"] == nil {
		return list(j["steps"])
	}
	strategy, _ := j["strategy"].(node)
	runOnce, _ := strategy["runOnce"].(node)
	deploy, _ := runOnce["deploy"].(node)
	return list(deploy["steps"])
}

func (p *pipeline) stage(t testing.TB, name string) stage {
	t.Helper()
	for _, s := range p.stages {
		if str(s.node, "stage") == name {
			return s
		}
	}
	t.Fatalf("%s: no stage %q", p.path, name)
	return stage{}
}

func (s stage) job(t testing.TB, name string) job {
	t.Helper()
	for _, j := range s.jobs {
		if str(j.node, "job") == name || str(j.node, "deployment") == name {
			return j
		}
	}
	t.Fatalf("stage %s: no job %q", str(s.node, "stage"), name)
	return job{}
}

// tasks returns the job's steps that run task (e.g. "PublishTestResults@2").
func (j job) tasks(task string) []node {
	var out []node
	for _, s := range j.steps {
		if str(s, "task") == task {
			out = append(out, s)
		}
	}
	return out
}

// stepNamed returns the step whose name (reference name) is name.
func (j job) stepNamed(t testing.TB, name string) node {
	t.Helper()
	for _, s := range j.steps {
		if str(s, "name") == name {
			return s
		}
	}
	t.Fatalf("job %s%s: no step named %q", str(j.node, "job"), str(j.node, "deployment"), name)
	return nil
}

// script is a step's shell script: a script step's body or an AzureCLI@2
// task's inline script.
func script(s node) string {
	if v := str(s, "script"); v != "" {
		return v
	}
	if in, ok := s["inputs"].(node); ok {
		return str(in, "inlineScript")
	}
	return ""
}

func input(s node, key string) string {
	in, _ := s["inputs"].(node)
	return str(in, key)
}

// stepIndex is the position of s among steps, -1 when absent.
func stepIndex(steps []node, s node) int {
	return slices.IndexFunc(steps, func(x node) bool { return fmt.Sprint(x) == fmt.Sprint(s) })
}
