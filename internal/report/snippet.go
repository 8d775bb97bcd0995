package report

import (
	"bytes"
	"html/template"
	"regexp"
	"sync"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/event"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
	"github.com/go-echarts/go-echarts/v2/templates"
)

// snippetTemplates are go-echarts' own templates for a chart's <div> and its
// <script>, parsed once per process. RenderSnippet parses them again for
// every chart, and renders the option JSON alone a third time, which the
// page does not use: about 85 % of what writing report.html allocated (1.2
// of 1.4 MB for the failover story), at the end of a run, where its memory
// peaks.
var snippetTemplates = sync.OnceValue(func() [2]*template.Template {
	return [2]*template.Template{
		render.MustTemplate(render.ModChart, []string{templates.BaseTpl, templates.BaseElementTpl}),
		render.MustTemplate(render.ModChart, []string{templates.BaseTpl, templates.BaseScriptTpl}),
	}
})

// funcMarks are the quotes go-echarts puts around a JavaScript function in
// the option JSON, which its renderers strip (render's unexported pat).
var funcMarks = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(__f__")|("__f__)|(__f__)`) })

// snippetView is what go-echarts' element and script templates read of a
// chart, as fields of a flat struct. On the chart itself each name is a field
// promoted through several embedded structs, which text/template finds with
// reflect's breadth-first FieldByNameFunc at every use: it allocated over
// half of what drawing a chart did (57 % of BenchmarkCharts' bytes) and most
// of its reflection. The values are the chart's own, so the bytes are the
// same (the HTML golden file).
type snippetView struct {
	ChartID, Theme string
	Initialization opts.Initialization
	EventListeners []event.Listener
	JSFunctions    opts.JSFunctions
	line           *charts.Line
}

// JSONNotEscaped is the chart's option JSON (the templates' base_option).
func (v *snippetView) JSONNotEscaped() template.HTML { return v.line.JSONNotEscaped() }

// lineChartOf renders l as go-echarts' RenderSnippet does (the same
// templates, the same bytes: the HTML golden file), with the templates
// parsed once.
func lineChartOf(l *charts.Line, id, title string) chart {
	l.Validate() // what RenderSnippet runs first
	view := &snippetView{ChartID: l.ChartID, Theme: l.Theme, Initialization: l.Initialization,
		EventListeners: l.EventListeners, JSFunctions: l.JSFunctions, line: l}
	var out [2]template.HTML
	for i, tpl := range snippetTemplates() {
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, render.ModChart, view); err != nil {
			// The templates are go-echarts' and the data its own types:
			// RenderSnippet panics here too.
			panic(err)
		}
		out[i] = template.HTML(funcMarks().ReplaceAll(buf.Bytes(), nil))
	}
	return chart{ID: id, Title: title, Element: out[0], Script: out[1]}
}
