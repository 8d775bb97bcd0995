package report

import (
	"bytes"
	"html/template"
	"regexp"
	"sync"

	"github.com/go-echarts/go-echarts/v2/charts"
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

// lineChartOf renders l as go-echarts' RenderSnippet does (the same
// templates, the same bytes: the HTML golden file), with the templates
// parsed once.
func lineChartOf(l *charts.Line, id, title string) chart {
	l.Validate() // what RenderSnippet runs first
	var out [2]template.HTML
	for i, tpl := range snippetTemplates() {
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, render.ModChart, l); err != nil {
			// The templates are go-echarts' and the data its own types:
			// RenderSnippet panics here too.
			panic(err)
		}
		out[i] = template.HTML(funcMarks().ReplaceAll(buf.Bytes(), nil))
	}
	return chart{ID: id, Title: title, Element: out[0], Script: out[1]}
}
