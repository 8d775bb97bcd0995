package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.* from the writers' output")

// goldens maps each writer to its golden file.
var goldens = []struct {
	file  string
	write Writer
}{
	{"report.golden.txt", Table},
	{"report.golden.json", JSON},
	{"report.golden.md", Markdown},
	{"report.golden.html", HTML},
	{"junit.golden.xml", JUnit},
	{"report.golden.csv", CSV},
	{"timeline.golden.csv", TimelineCSV},
}

// libraryMarker stands for the inlined ECharts library in the HTML golden
// file, so that the file stays readable and diffs show our page only.
var libraryMarker = fmt.Sprintf("/* echarts.min.js %s, %d bytes, inlined */", EChartsVersion, len(echartsJS))

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := g.write(&buf, fixture()); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			if strings.HasSuffix(g.file, ".html") {
				if n := strings.Count(got, echartsJS); n != 1 {
					t.Fatalf("page inlines the ECharts library %d times, want 1", n)
				}
				got = strings.Replace(got, echartsJS, libraryMarker, 1)
			}
			path := filepath.Join("testdata", g.file)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/report -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run go test ./internal/report -update and review the diff)\ngot:\n%s", path, got)
			}
		})
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	k := f.n
	f.n = 0
	return k, errDiskFull
}

func TestWriterErrorsAreReturned(t *testing.T) {
	writers := map[string]Writer{"html-assets-host": NewHTML(HTMLOptions{AssetsHost: "./"})}
	for name, files := range Formats {
		for _, f := range files {
			writers[name+":"+f.Name] = f.Write
		}
	}
	for name, write := range writers {
		var full bytes.Buffer
		if err := write(&full, fixture()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		size := full.Len()
		for _, n := range []int{0, 1, size / 2, size - 1} {
			if err := write(&failAfter{n: n}, fixture()); !errors.Is(err, errDiskFull) {
				t.Errorf("%s failing after %d of %d bytes: error %v, want %v", name, n, size, err, errDiskFull)
			}
		}
		if err := write(&failAfter{n: size}, fixture()); err != nil {
			t.Errorf("%s with room for all %d bytes: %v", name, size, err)
		}
	}
}

// The JUnit document as a CI server reads it, declared apart from the writer's
// types so that a wrong tag there shows here.
type parsedJUnit struct {
	Suites []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitParsesBack(t *testing.T) {
	r := fixture()
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc parsedJUnit
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d testsuites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != fixtureObjectives || s.Failures != fixtureFailed || s.Skipped != fixtureInconclusive {
		t.Errorf("tests/failures/skipped = %d/%d/%d, want %d/%d/%d", s.Tests, s.Failures, s.Skipped,
			fixtureObjectives, fixtureFailed, fixtureInconclusive)
	}
	if len(s.Cases) != fixtureObjectives {
		t.Fatalf("%d testcases, want %d", len(s.Cases), fixtureObjectives)
	}
	var failures, skipped int
	for i, c := range s.Cases {
		o := r.Objectives[i]
		if want := o.Name + " " + o.Scope; c.Name != want || c.Classname != "slocheck.default-failover" {
			t.Errorf("case %d: %q (%s), want %q (slocheck.default-failover)", i, c.Name, c.Classname, want)
		}
		if (c.Failure != nil) != (o.Verdict == slo.Fail) || (c.Skipped != nil) != (o.Verdict == slo.Inconclusive) {
			t.Errorf("case %q: failure %v skipped %v for verdict %s", c.Name, c.Failure != nil, c.Skipped != nil, o.Verdict)
		}
		if c.SystemOut == "" {
			t.Errorf("case %q has no system-out", c.Name)
		}
		if c.Failure != nil {
			failures++
		}
		if c.Skipped != nil {
			skipped++
		}
	}
	if failures != fixtureFailed || skipped != fixtureInconclusive {
		t.Errorf("cases with <failure>/<skipped> = %d/%d, want %d/%d", failures, skipped, fixtureFailed, fixtureInconclusive)
	}
	if got, want := s.Cases[3].Failure.Message, "value 181.0 ms >= target 150.0 ms: the whole 95 % interval lies above the target"; got != want {
		t.Errorf("p99 step:checkout failure message %q, want %q", got, want)
	}
	if got := s.Cases[6].Failure.Message; got != "value not recovered, target < 10.00 s" {
		t.Errorf("rto of the unrecovered fault: failure message %q", got)
	}
	if got := s.Cases[4].Skipped.Message; !strings.Contains(got, "5956 more requests") {
		t.Errorf("inconclusive case's message %q does not say how many requests would decide", got)
	}
}

func TestJSONRoundTrips(t *testing.T) {
	r := fixture()
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var back slo.Report
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("report.json does not round-trip:\n got %+v\nwant %+v", back, *r)
	}
}

func TestJSONNormalises(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	r := &slo.Report{Started: time.Date(2026, 11, 24, 11, 0, 0, 123456789, cet), Verdict: slo.Pass,
		Faults: []slo.FaultSummary{{Name: "f", Injected: time.Date(2026, 11, 24, 11, 0, 20, 350400000, cet)}}}
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"schema": "slocheck/report/v1"`, `"started": "2026-11-24T10:00:00.123Z"`,
		`"objectives": []`, `"regions": {}`, `"injected": "2026-11-24T10:00:20.35Z"`, `"by_client_region": {}`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report.json lacks %s:\n%s", want, buf.String())
		}
	}
	if r.Schema != "" || r.Objectives != nil || r.Started.Nanosecond() != 123456789 ||
		r.Faults[0].Injected.Nanosecond() != 350400000 || r.Faults[0].RTOS.ByClientRegion != nil {
		t.Error("JSON modified the caller's report")
	}
}

func TestTableEndsWithVerdict(t *testing.T) {
	for _, c := range []struct {
		verdict slo.Verdict
		code    int
		want    string
	}{{slo.Fail, 99, "verdict: FAIL (exit 99)"}, {slo.Pass, 0, "verdict: PASS (exit 0)"}} {
		r := fixture()
		r.Verdict, r.ExitCode = c.verdict, c.code
		var buf bytes.Buffer
		if err := Table(&buf, r); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
		if last := lines[len(lines)-1]; last != c.want {
			t.Errorf("last line %q, want %q", last, c.want)
		}
	}
}

func TestMarkdownFigures(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	cells := regexp.MustCompile(` *\| *`) // tablewriter pads cells to the column's width
	md := cells.ReplaceAllString(buf.String(), "|")
	for _, want := range []string{
		"**Verdict: FAIL** (exit 99)",
		"| p99 | overall | 93.2 ms | 91.1 ms – 96.0 ms | 29310 | < 150.0 ms | PASS |",
		"| availability | steady-state | 100 % | 99.987 % – 100 % | 24000 | >= 99.99 % | INCONCLUSIVE | +5956 |",
		"| eastus | 15000 | 690 | 4.6 % | 21.5 ms | 71.0 ms | eastus 55.905 %, westeurope 44.095 % |",
		"| westeurope-slow | not recovered | 0 s | not recovered |",
		"| eastus-down | 4.20 s | 4.20 s | 0 s | 690 | 512 | 3 | 1 | 350.0 ms | 1.90 s | 0.73 % |",
		"- heal of westeurope-slow failed",
	} {
		if !strings.Contains(md, cells.ReplaceAllString(want, "|")) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// chartOption extracts the ECharts option of one chart from the page.
func chartOption(t *testing.T, page, id string) map[string]any {
	t.Helper()
	re := regexp.MustCompile(`(?s)let option_` + id + ` = (\{.*?\})\s*goecharts_` + id + `\.setOption`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no option for chart %s", id)
	}
	var opt map[string]any
	if err := json.Unmarshal([]byte(m[1]), &opt); err != nil {
		t.Fatalf("chart %s option: %v", id, err)
	}
	return opt
}

func TestHTMLChartData(t *testing.T) {
	r := fixture()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	byRegion := map[string][]slo.Point{}
	for _, p := range r.Timeline {
		byRegion[regionLabel(p.ClientRegion)] = append(byRegion[regionLabel(p.ClientRegion)], p)
	}
	for _, c := range []struct {
		id   string
		want func(slo.Point) any
	}{
		{"chart_rps", func(p slo.Point) any { return float64(p.Requests) / fixtureIntervalS }},
		{"chart_fps", func(p slo.Point) any { return float64(p.Failures) / fixtureIntervalS }},
		{"chart_p99", func(p slo.Point) any {
			if p.P99S == nil {
				return "-"
			}
			return *p.P99S * 1000
		}},
	} {
		opt := chartOption(t, page, c.id)
		series := opt["series"].([]any)
		if len(series) != len(byRegion) {
			t.Fatalf("%s: %d series, want %d", c.id, len(series), len(byRegion))
		}
		for _, s := range series {
			s := s.(map[string]any)
			pts := byRegion[s["name"].(string)]
			var want []any
			for _, p := range pts {
				want = append(want, map[string]any{"value": []any{p.T, c.want(p)}})
			}
			// the last interval is closed at its end, so it is drawn with its width
			last := pts[len(pts)-1]
			want = append(want, map[string]any{"value": []any{last.T + fixtureIntervalS, c.want(last)}})
			if got := s["data"].([]any); !approxEqual(got, want) {
				t.Errorf("%s series %s: data %v, want %v", c.id, s["name"], got, want)
			}
		}
		checkFaultAreas(t, c.id, series[0].(map[string]any))
	}
}

// checkFaultAreas checks that a series shades [20 s, 45 s] for the healed
// fault and [50 s, 60 s] (to the end of the run) for the unhealed one.
func checkFaultAreas(t *testing.T, id string, s map[string]any) {
	t.Helper()
	ma, _ := s["markArea"].(map[string]any)
	if ma == nil {
		t.Fatalf("%s: first series has no fault windows", id)
	}
	want := []any{
		[]any{map[string]any{"name": "eastus-down", "xAxis": 20.0}, map[string]any{"xAxis": 45.0}},
		[]any{map[string]any{"name": "westeurope-slow", "xAxis": 50.0}, map[string]any{"xAxis": 60.0}},
	}
	if !reflect.DeepEqual(ma["data"], want) {
		t.Errorf("%s: fault windows %v, want %v", id, ma["data"], want)
	}
}

// approxEqual compares decoded JSON, numbers within 1e-9 (p99 is scaled to ms).
func approxEqual(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && (a-b < 1e-9 && b-a < 1e-9)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !approxEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k := range a {
			if !approxEqual(a[k], b[k]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(a, b)
	}
}

func TestHTMLLoadsNothingFromTheNetwork(t *testing.T) {
	var buf bytes.Buffer
	if err := HTML(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	page := strings.Replace(buf.String(), echartsJS, "", 1)
	if strings.Contains(page, "echarts.min.js") || regexp.MustCompile(`(?i)\b(src|href)\s*=`).MatchString(page) {
		t.Error("the default page references an external file")
	}
	if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`).FindString(page); m != "" {
		t.Errorf("the page (library aside) holds an address: %s", m)
	}
	// The library itself only names namespaces and licences; it fetches nothing.
	for _, u := range regexp.MustCompile(`https?://[^"'\s)]+`).FindAllString(echartsJS, -1) {
		if !strings.HasPrefix(u, "http://www.w3.org/") && !strings.Contains(u, "LICENSE") && !strings.Contains(u, "apache.org") {
			t.Errorf("the inlined library holds an unexpected address %s", u)
		}
	}
	if strings.Contains(strings.ToLower(echartsJS), "</script") {
		t.Error("the library holds </script and cannot be inlined")
	}

	buf.Reset()
	if err := NewHTML(HTMLOptions{AssetsHost: "./"})(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<script src="./echarts.min.js"></script>`) || strings.Contains(buf.String(), echartsJS) {
		t.Error("with AssetsHost the page must load echarts.min.js from there and not inline it")
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r := fixture()
	paths, err := WriteAll(dir, r, append(DefaultFormats, "json")) // a repeated format is written once
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"report.json", "report.md", "report.html", "junit.xml", "report.csv", "timeline.csv"}
	if len(paths) != len(want) {
		t.Fatalf("wrote %v, want %v", paths, want)
	}
	byName := map[string]Writer{}
	for _, fs := range Formats {
		for _, f := range fs {
			byName[f.Name] = f.Write
		}
	}
	for i, name := range want {
		if paths[i] != filepath.Join(dir, name) {
			t.Errorf("path %d = %s, want %s", i, paths[i], filepath.Join(dir, name))
		}
		got, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		var direct bytes.Buffer
		if err := byName[name](&direct, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, direct.Bytes()) {
			t.Errorf("%s differs from its writer's output", name)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want) {
		t.Errorf("directory holds %d entries (temporary files left?), want %d", len(entries), len(want))
	}
}

func TestWriteAllUnknownFormatWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	_, err := WriteAll(dir, fixture(), []string{"json", "pdf"})
	if err == nil || !strings.Contains(err.Error(), `"pdf"`) {
		t.Fatalf("error %v, want one naming the unknown format", err)
	}
	if _, statErr := os.Stat(dir); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("directory created despite the unknown format: %v", statErr)
	}
}

func TestWriteAllReportsAFailingFileAndWritesTheRest(t *testing.T) {
	dir := t.TempDir()
	broken := errors.New("broken writer")
	Formats["broken"] = []File{{Name: "broken.txt", Write: func(w io.Writer, _ *slo.Report) error {
		_, _ = io.WriteString(w, "half")
		return broken
	}}}
	defer delete(Formats, "broken")
	paths, err := WriteAll(dir, fixture(), []string{"broken", "json"})
	if !errors.Is(err, broken) {
		t.Fatalf("error %v, want %v", err, broken)
	}
	if len(paths) != 1 || filepath.Base(paths[0]) != "report.json" {
		t.Errorf("wrote %v, want report.json only", paths)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "broken.txt")); !errors.Is(statErr, os.ErrNotExist) {
		t.Error("a half-written file was left under its final name")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1 (temporary file left?)", len(entries))
	}
}

func TestHTMLWithoutTimelineHasNoLibrary(t *testing.T) {
	r := fixture()
	r.Timeline = nil
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script") {
		t.Error("a page without charts carries scripts")
	}
	if !strings.Contains(buf.String(), "<h2>Objectives</h2>") {
		t.Error("a page without charts lost its tables")
	}
}

func TestHTMLEscapesNames(t *testing.T) {
	r := fixture()
	evil := `</script><img src=x onerror=alert(1)>`
	r.Faults[0].Name = evil
	for i := range r.Timeline {
		if r.Timeline[i].ClientRegion == "eastus" {
			r.Timeline[i].ClientRegion = evil
		}
	}
	r.Notes = append(r.Notes, evil)
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Replace(buf.String(), echartsJS, "", 1), "<img") {
		t.Error("a name from the scenario reached the page as markup")
	}
}

func TestJSONEmptyFaultsAreAList(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, &slo.Report{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"faults": []`) {
		t.Errorf("a run without faults must write \"faults\": []:\n%s", buf.String())
	}
}
