package report

import (
	"bufio"
	_ "embed" // the ECharts library and the page template
	"fmt"
	"html/template"
	"io"
	"sync"

	"github.com/slocheck/slocheck/internal/slo"
)

// EChartsVersion is the version of the ECharts library inlined into
// report.html (the one go-echarts v2.6.7 targets).
const EChartsVersion = "5.4.3"

// echartsJS is ECharts' dist/echarts.min.js (Apache-2.0, see
// assets/ECHARTS-LICENSE and assets/ECHARTS-NOTICE), from the npm package
// echarts@5.4.3.
//
//go:embed assets/echarts.min.js
var echartsJS string

//go:embed page.html.tmpl
var pageTemplate string

// pageCSS is the style sheet of every page slocheck writes (report.html,
// history.html).
//
//go:embed assets/page.css
var pageCSS string

// cssFunc puts pageCSS into a template's <style> element.
func cssFunc() template.CSS { return template.CSS(pageCSS) } // #nosec G203 -- our own embedded file

// page is parsed on first use, when a report is written, not at every start.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Funcs(template.FuncMap{
		"pageCSS": cssFunc,
		"verdictClass": func(cell string) string {
			switch slo.Verdict(cell) {
			case slo.Pass, slo.Fail, slo.Inconclusive, slo.Info:
				return "v-" + cell
			}
			return ""
		},
	}).Parse(pageTemplate))
})

// HTMLOptions tune the HTML writer.
type HTMLOptions struct {
	// AssetsHost, when set, makes the page load echarts.min.js from
	// AssetsHost + "echarts.min.js" (e.g. "https://go-echarts.github.io/go-echarts-assets/assets/"
	// or "./" with the file copied beside the page) instead of inlining it.
	// Empty (the default) inlines the library: a self-contained page of about
	// 1 MB that works offline.
	AssetsHost string
}

// HTML writes report.html: a self-contained page (no network needed) with the
// same tables as report.md and charts of requests/s, failures/s and p99 over
// time per client region, fault windows shaded.
func HTML(w io.Writer, r *slo.Report) error { return NewHTML(HTMLOptions{})(w, r) }

// NewHTML returns an HTML writer with options.
func NewHTML(o HTMLOptions) Writer {
	return func(w io.Writer, r *slo.Report) error {
		data := struct {
			R          *slo.Report
			Summary    string
			Tables     []table
			Charts     []chart
			Interval   string
			Notes      []string
			AssetsHost string
		}{
			R: r, Summary: summaryLine(r), Tables: tables(r), Charts: append(timelineCharts(r), failoverCharts(r)...),
			Interval: seconds(intervalS(r)), Notes: notes(r), AssetsHost: o.AssetsHost,
		}
		bw := bufio.NewWriter(w)
		if err := page().ExecuteTemplate(bw, "head", data); err != nil {
			return fmt.Errorf("render report.html: %w", err)
		}
		if len(data.Charts) > 0 && o.AssetsHost == "" {
			inlineLibrary(bw)
		}
		if err := page().ExecuteTemplate(bw, "body", data); err != nil {
			return fmt.Errorf("render report.html: %w", err)
		}
		return bw.Flush()
	}
}

// inlineLibrary writes the ECharts library in a <script> element straight
// from the binary's read-only data (a template would first copy it into a
// buffer of its own size, 1 MB). It is trusted text, the pinned ECharts
// build, checked to hold no "</script" (TestHTMLLoadsNothingFromTheNetwork).
// Write errors latch in bw.
func inlineLibrary(bw *bufio.Writer) {
	bw.WriteString("\n<script>")
	bw.WriteString(echartsJS)
	bw.WriteString("</script>")
}
