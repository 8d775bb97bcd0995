package scenario

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/driver"
)

// ownShopYAML is a scenario of a shop with its own API; %s is the data
// block.
const ownShopYAML = `name: own
target:
  url: http://127.0.0.1:9
  regions: [east, west]
  check_url: http://127.0.0.1:9/healthz
load:
  rate: 10
  duration: 10s
  client_regions: {us: 1}
  steps:
    - name: login
      method: POST
      url: /api/login
      headers: {Content-Type: application/json}
      header_env: {X-Api-Key: SHOP_API_KEY}
      body: '{"user":"{{data.user}}"}'
      extract:
        token: {json: "token"}
        sess: {cookie: session}
    - name: cart
      method: POST
      url: /api/carts
      success: [201]
      timeout: 1s
      extract:
        cart: {header: X-Cart-Id}
    - name: checkout
      method: POST
      url: "/api/carts/{{cart}}/order"
      headers: {Authorization: "Bearer {{token}}"}
      success: [201]
      write:
        id: {json: order.id}
        readback_url: "http://127.0.0.1:9/api/orders/{{id}}?region={{region}}"
%s  journeys:
    - {name: buy, weight: 1, think_time: 500ms, steps: [login, cart, checkout]}
`

// writeScenario writes the scenario and data files into a temporary
// directory and returns the scenario's path.
func writeScenario(t *testing.T, scenario string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "own.yaml")
	if err := os.WriteFile(path, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOwnShopScenario reads a scenario of its own steps with each data
// source (CSV, JSON lines) and order, and checks the driver's form: steps,
// data rows, the header's steps and write steps, the read-back template.
func TestOwnShopScenario(t *testing.T) {
	for _, tt := range []struct {
		file, body, order string
		random            bool
	}{
		{"users.csv", "user,pass\nann,a1\n\"bob, jr\",b2\n", "sequential", false},
		{"users.jsonl", "{\"user\":\"ann\",\"pass\":\"a1\"}\n\n{\"pass\":\"b2\",\"user\":\"bob, jr\"}\n", "random", true},
		{"users.ndjson", "{\"user\":\"ann\",\"pass\":\"a1\"}\n{\"user\":\"bob, jr\",\"pass\":\"b2\"}\n", "sequential", false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data := fmt.Sprintf("  data: {file: %s, order: %s}\n", tt.file, tt.order)
			s, err := Load(writeScenario(t, fmt.Sprintf(ownShopYAML, data), map[string]string{tt.file: tt.body}))
			if err != nil {
				t.Fatal(err)
			}
			steps, d, err := s.DriverSteps(func(v string) string { return map[string]string{"SHOP_API_KEY": "k"}[v] })
			if err != nil {
				t.Fatal(err)
			}
			if len(steps) != 3 || steps[2].Write == nil || steps[2].Write.ID.JSON != "order.id" || len(steps[0].Secrets) != 1 ||
				steps[0].Secrets[0].Name != "X-Api-Key" || steps[0].Secrets[0].Value() != "k" ||
				steps[1].Timeout.String() != "1s" || !slices.Equal(steps[1].Success, []int{201}) || steps[0].Extract["sess"].Cookie != "session" {
				t.Fatalf("driver steps %+v", steps)
			}
			cols := slices.Clone(d.Columns)
			slices.Sort(cols)
			if !slices.Equal(cols, []string{"pass", "user"}) || len(d.Rows) != 2 || d.Random != tt.random {
				t.Fatalf("data %+v", d)
			}
			user := slices.Index(d.Columns, "user")
			if d.Rows[0][user] != "ann" || d.Rows[1][user] != "bob, jr" {
				t.Fatalf("rows %v", d.Rows)
			}
			if got := fmt.Sprint(s.StepsUsed(), s.WriteSteps()); got != "[login cart checkout] [checkout]" {
				t.Fatalf("steps used, write steps: %s", got)
			}
			if s.Target.ReadbackURL != "http://127.0.0.1:9/api/orders/{id}?region={region}" {
				t.Fatalf("read-back template %q", s.Target.ReadbackURL)
			}
			y, err := s.YAML()
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(s.Source(), y)
			if err != nil {
				t.Fatalf("validate --print of it does not parse: %v\n%s", err, y)
			}
			if a, _ := again.YAML(); string(a) != string(y) {
				t.Fatalf("printed twice differs:\n%s\n%s", y, a)
			}
			cfg := driver.Config{Targets: map[string]string{"us": "http://127.0.0.1:9"}, Rate: 1, Duration: s.Load.Duration,
				Steps: steps, Data: d, Journeys: []driver.Journey{{Weight: 1, Steps: s.Load.Journeys[0].Steps}}}
			if errs := cfg.Validate(); len(errs) > 0 {
				t.Fatalf("the driver refuses the scenario's steps: %v", errs)
			}
		})
	}
}

// TestReferencePreset checks that a scenario without steps keeps the
// reference shop's steps (the driver's default), and that the preset can sit
// beside steps of the scenario's own.
func TestReferencePreset(t *testing.T) {
	s := mustParse(t, "name: x\n")
	if steps, _, _ := s.DriverSteps(os.Getenv); steps != nil || fmt.Sprint(s.StepsUsed(), s.WriteSteps()) != "[browse product cart checkout] [checkout]" {
		t.Fatalf("default scenario: steps %v, used %v, writes %v", steps, s.StepsUsed(), s.WriteSteps())
	}
	s = mustParse(t, `name: x
load:
  preset: reference
  steps: [{name: health, url: /health}]
  journeys: [{steps: [browse, health]}]
`)
	steps, _, _ := s.DriverSteps(os.Getenv)
	if len(steps) != 5 || steps[0].Name != "browse" || steps[4].Name != "health" || fmt.Sprint(s.StepsUsed()) != "[browse health]" {
		t.Fatalf("preset and own steps: %+v used %v", steps, s.StepsUsed())
	}
}

// TestStepsValidateErrors checks that each mistake in steps and data is a
// validate error at its file, line, column and field, all at once.
func TestStepsValidateErrors(t *testing.T) {
	src := `name: x
target:
  url: http://127.0.0.1:9
  readback_url: "https://<your-shop>/orders/{id}"
load:
  steps:
    - name: a
      url: "/p/{{oops"
      methd: GET
    - name: b
      url: "/p/{{nothing}}"
      extract:
        v: {json: "a..b"}
        w: {json: x, header: Y}
    - name: a
      url: "https://{{host}}/x"
      body: "{{data.missing}}"
      write: {id: {json: id}, readback_url: "http://h/{{order}}"}
    - name: c
      url: "/c/{{v}}"
      headers: {"bad header": x}
  data: {file: nope.csv}
  journeys:
    - {steps: [c, b, zz]}
`
	want := []string{
		`x.yaml:4:3: target.readback_url: <your-shop> is a placeholder still to fill in`,
		`x.yaml:8:7: load.steps[0].url: template: unclosed {{`,
		`x.yaml:9:7: load.steps[0].methd: unknown field`,
		`x.yaml:11:7: load.steps[1].url: {{nothing}} names nothing`,
		`x.yaml:13:13: load.steps[1].extract.v.json: "a..b" is not a JSON path that can match`,
		`x.yaml:14:9: load.steps[1].extract.w: want exactly one of json (a JSON path), header or cookie`,
		`x.yaml:15:7: load.steps[2].name: "a" is also the name of load.steps[0]`,
		`x.yaml:16:7: load.steps[2].url: {{host}} names nothing`,
		`x.yaml:16:7: load.steps[2].url: want a path (/…) or an absolute http:// or https:// URL with a literal host`,
		`x.yaml:18:31: load.steps[2].write.readback_url: unknown placeholder {{order}}`,
		`x.yaml:21:17: load.steps[3].headers.bad header: "bad header" is not an HTTP header name`,
		`x.yaml:22:10: load.data.file: open nope.csv`,
		`x.yaml:24:16: load.journeys[0].steps[0]: step c uses {{v}}, which no earlier step of this journey extracts`,
		`x.yaml:24:22: load.journeys[0].steps[2]: unknown step "zz" (want one of a, b, a, c)`,
	}
	errs := parseErrs(t, src)
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("no problem %q among\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// TestDataFileErrors checks that a malformed data file is a validate error
// that names the data file's own line.
func TestDataFileErrors(t *testing.T) {
	for _, tt := range []struct{ file, body, want string }{
		{"u.csv", "user\nann\nbob,extra\n", `u.csv:3:`},
		{"u.csv", "user\n", `u.csv: no rows after the header`},
		{"u.csv", "user,user\nann,bob\n", `u.csv:1: column "user" is given twice`},
		{"u.jsonl", "{\"user\":\"ann\"}\n{\"user\":\"bob\"\n", `u.jsonl:2: want one JSON object per line`},
		{"u.jsonl", "{\"user\":\"ann\"}\n\n{\"name\":\"bob\"}\n", `u.jsonl:3: keys name, want the first line's user`},
		{"u.txt", "user\nann\n", `want a .csv, .jsonl or .ndjson file`},
	} {
		path := writeScenario(t, "name: x\nload:\n  steps: [{name: a, url: \"/{{data.user}}\"}]\n  data: {file: "+tt.file+"}\n",
			map[string]string{tt.file: tt.body})
		_, err := Load(path)
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), path+":4:10: load.data.file: ") ||
			!strings.Contains(errs[0].Error(), tt.want) {
			t.Errorf("%s %q: %v\nwant one problem at load.data.file naming %q", tt.file, tt.body, err, tt.want)
		}
	}
}

// TestDataColumns checks that a {{data.<column>}} the data file lacks, or
// one without any load.data, is a validate error at the template's field.
func TestDataColumns(t *testing.T) {
	path := writeScenario(t, "name: x\nload:\n  steps: [{name: a, url: \"/{{data.user}}\"}]\n  data: {file: u.csv}\n",
		map[string]string{"u.csv": "name\nann\n"})
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), `load.steps[0].url: {{data.user}}: the data file has no column "user" (it has name)`) {
		t.Errorf("missing column: %v", err)
	}
	errs := parseErrs(t, "name: x\nload:\n  steps: [{name: a, url: \"/{{data.user}}\"}]\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "load.steps[0].url: {{data.user}}: no load.data to take it from") {
		t.Errorf("no data: %v", errs)
	}
}

// TestDriverStepsEnv checks that a step header's unset environment
// variable is an error at its field that never holds a value, every one at
// once, and that a set one becomes the step's fixed secret header.
func TestDriverStepsEnv(t *testing.T) {
	s := mustParse(t, "name: x\nload:\n  steps: [{name: a, url: /a, header_env: {X-Api-Key: SHOP_KEY, X-B: B_KEY}}]\n")
	_, _, err := s.DriverSteps(func(v string) string { return map[string]string{"B_KEY": "b-secret"}[v] })
	if err == nil || err.Error() != "x.yaml:3:43: load.steps[0].header_env.X-Api-Key: environment variable SHOP_KEY is not set (it holds the header's value)" {
		t.Errorf("unset: %v", err)
	}
	_, _, err = s.DriverSteps(func(string) string { return "" })
	if n := len(err.(Errors)); n != 2 {
		t.Errorf("two unset: %d errors: %v", n, err)
	}
	steps, _, err := s.DriverSteps(func(v string) string { return v + "-secret" })
	if err != nil || len(steps) != 1 || fmt.Sprint(steps[0].Secrets) != "[X-Api-Key: <redacted> X-B: <redacted>]" ||
		steps[0].Secrets[0].Value() != "SHOP_KEY-secret" || !steps[0].Secrets[0].Fixed() {
		t.Errorf("set: steps %+v, err %v", steps, err)
	}
}
