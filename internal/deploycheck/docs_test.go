package deploycheck

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docs/backlog.csv is in Azure Boards' CSV import format for a tree: an
// empty ID column (new items), Work Item Type, and Title 1..3 with exactly one
// title per row, at the level of its type; every child follows a parent.
func TestBacklogCSV(t *testing.T) {
	f, err := os.Open(filepath.Join(repoRoot(t), "docs", "backlog.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if !slices.Equal(head[:5], []string{"ID", "Work Item Type", "Title 1", "Title 2", "Title 3"}) {
		t.Fatalf("header %v: want ID, Work Item Type, Title 1, Title 2, Title 3 first", head)
	}
	level := map[string]int{"Epic": 0, "Feature": 1, "User Story": 2}
	areas := map[string]bool{}
	prev := -1
	for i, r := range rows[1:] {
		line := i + 2
		if r[0] != "" {
			t.Errorf("line %d: ID must be empty for new work items", line)
		}
		want, ok := level[r[1]]
		if !ok {
			t.Errorf("line %d: work item type %q", line, r[1])
			continue
		}
		var filled []int
		for c := 2; c <= 4; c++ {
			if r[c] != "" {
				filled = append(filled, c-2)
			}
		}
		if len(filled) != 1 || filled[0] != want {
			t.Errorf("line %d: a %s has its title in column Title %d only, got columns %v", line, r[1], want+1, filled)
		}
		if want > prev+1 {
			t.Errorf("line %d: a %s must follow its parent", line, r[1])
		}
		prev = want
		if r[1] == "Epic" {
			areas[strings.Split(r[len(r)-1], ";")[0]] = true
		}
	}
	for _, a := range []string{"infrastructure", "cicd", "database", "dr", "monitoring", "security"} {
		if !areas[a] {
			t.Errorf("no epic tagged %s", a)
		}
	}
}

// The Dockerfile builds in one stage and ships a small non-root final stage.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]string // instructions per stage
	for _, ins := range instructions(string(data)) {
		if strings.HasPrefix(strings.ToUpper(ins), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], ins)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages: want a build stage and a final stage", len(stages))
	}
	final := stages[len(stages)-1]
	base := strings.Fields(final[0])[1]
	if !strings.HasPrefix(base, "gcr.io/distroless/static") && base != "scratch" {
		t.Errorf("final stage FROM %s: want distroless static or scratch (no shell, a few MB)", base)
	}
	user := ""
	copied := false
	for _, ins := range final {
		f := strings.Fields(ins)
		switch strings.ToUpper(f[0]) {
		case "USER":
			user = f[1]
		case "COPY":
			copied = copied || strings.HasPrefix(f[1], "--from=")
		case "RUN":
			t.Errorf("final stage runs %q: build in the build stage", ins)
		}
	}
	if uid := strings.Split(user, ":")[0]; uid == "" || uid == "0" || uid == "root" {
		t.Errorf("final stage USER %q: want a non-root user", user)
	}
	if !copied {
		t.Error("final stage copies nothing from the build stage")
	}
	build := strings.Join(stages[0], "\n")
	for _, want := range []string{"CGO_ENABLED=0", "go build", "./cmd/slocheck", "go.sum"} {
		if !strings.Contains(build, want) {
			t.Errorf("build stage has no %q", want)
		}
	}
	ignore, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "reports", "terraform"} {
		if !slices.Contains(strings.Fields(string(ignore)), want) {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
}

// instructions joins a Dockerfile's continued lines and drops comments.
func instructions(text string) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cur.WriteString(strings.TrimSuffix(line, "\\"))
		if strings.HasSuffix(line, "\\") {
			cur.WriteByte(' ')
			continue
		}
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

var (
	mdSection = regexp.MustCompile(`\{\{report\.md#([^}]+)\}\}`)
	jsonExpr  = regexp.MustCompile(`\{\{report\.json:([^}]+)\}\}`)
	jsonField = regexp.MustCompile(`\.([a-z_]+)`)
)

// The final-report template's placeholders name sections report.md has and
// fields report.json has (as the report package's golden files show them).
func TestFinalReportTemplate(t *testing.T) {
	root := repoRoot(t)
	tpl, err := os.ReadFile(filepath.Join(root, "docs", "final-report-template.md"))
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(root, "internal", "report", "testdata", "report.golden.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{"summary": true}
	for _, l := range strings.Split(string(md), "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			sections[h] = true
		}
	}
	for _, m := range mdSection.FindAllStringSubmatch(string(tpl), -1) {
		if !sections[m[1]] {
			t.Errorf("{{report.md#%s}}: report.md has no such section (has %v)", m[1], sections)
		}
	}
	raw, err := os.ReadFile(filepath.Join(root, "internal", "report", "testdata", "report.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	collectKeys(doc, keys)
	exprs := jsonExpr.FindAllStringSubmatch(string(tpl), -1)
	if len(exprs) < 10 {
		t.Fatalf("only %d report.json placeholders", len(exprs))
	}
	for _, m := range exprs {
		for _, f := range jsonField.FindAllStringSubmatch(m[1], -1) {
			if !keys[f[1]] {
				t.Errorf("{{report.json:%s}}: report.json has no field %q", m[1], f[1])
			}
		}
	}
}

func collectKeys(v any, keys map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			keys[k] = true
			collectKeys(e, keys)
		}
	case []any:
		for _, e := range v {
			collectKeys(e, keys)
		}
	}
}
