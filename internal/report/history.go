package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/olekukonko/tablewriter/renderer"

	"github.com/slocheck/slocheck/internal/compare"
)

// HistoryWriter renders a history of runs (slocheck history).
type HistoryWriter func(w io.Writer, h *compare.History) error

// HistoryFiles are the files `slocheck history --out DIR` writes.
var HistoryFiles = []struct {
	Name  string
	Write HistoryWriter
}{
	{"history.txt", HistoryTable},
	{"history.csv", HistoryCSV},
	{"history.html", HistoryHTML},
}

// historyTable is one row per run: when it started, its labels and verdict,
// every deciding objective's figure, and its comparison with the run before.
func historyTable(h *compare.History) table {
	t := table{Title: "History", Header: []string{"run", "started", "labels", "verdict"}}
	for _, c := range h.Columns {
		t.Header = append(t.Header, c.Name+" "+c.Scope)
	}
	t.Header = append(t.Header, "against the previous run")
	for _, r := range h.Rows {
		row := []string{runName(&r.Run), stamp(r.Run.Started), Labels(r.Run.Labels), string(r.Run.Verdict)}
		for i, c := range h.Columns {
			row = append(row, optIn(r.Values[i], c.Unit, c.Name))
		}
		t.Rows = append(t.Rows, append(row, againstText(&r)))
	}
	return t
}

// againstText is "REGRESSED: p99 overall, rto fault:eastus-down" or the
// verdict alone; "" for the first run.
func againstText(r *compare.HistoryRow) string {
	s := string(r.Against)
	if len(r.Regressed) > 0 {
		s += ": " + strings.Join(r.Regressed, ", ")
	}
	return s
}

func runName(r *compare.RunInfo) string {
	if r.Dir != "" {
		return r.Dir
	}
	return r.Scenario
}

// HistoryTable writes the history as a console table.
func HistoryTable(w io.Writer, h *compare.History) error {
	bw := bufio.NewWriter(w)
	if err := renderTable(bw, renderer.NewBlueprint(), historyTable(h)); err != nil {
		return err
	}
	regressed := 0
	for _, r := range h.Rows {
		if r.Against == compare.Regressed {
			regressed++
		}
	}
	fmt.Fprintf(bw, "%d runs, %d regressed against the run before\n", len(h.Rows), regressed)
	return bw.Flush()
}

// HistoryCSV writes history.csv: one row per run, the objectives' raw
// figures (seconds, ratios 0–1; a missing one is empty) and verdicts, and the
// comparison with the run before.
func HistoryCSV(w io.Writer, h *compare.History) error {
	cw := csv.NewWriter(w)
	head := []string{"dir", "scenario", "started", "labels", "verdict"}
	for _, c := range h.Columns {
		head = append(head, c.Name+" "+c.Scope, c.Name+" "+c.Scope+" verdict")
	}
	rows := [][]string{append(head, "against_previous", "regressed", "improved")}
	for _, r := range h.Rows {
		row := []string{r.Run.Dir, r.Run.Scenario, rfc3339ms(r.Run.Started), Labels(r.Run.Labels), string(r.Run.Verdict)}
		for i := range h.Columns {
			row = append(row, optNum(r.Values[i]), string(r.Verdicts[i]))
		}
		rows = append(rows, append(row, string(r.Against), strings.Join(r.Regressed, ";"), strings.Join(r.Improved, ";")))
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write history.csv: %w", err)
	}
	return nil
}

// historyPage is parsed on first use, by the history command only.
var historyPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("history").Funcs(template.FuncMap{
		"pageCSS": cssFunc,
		"verdictClass": func(cell string) string {
			switch {
			case strings.HasPrefix(cell, string(compare.Regressed)):
				return "v-FAIL"
			case cell == "PASS" || cell == "FAIL" || cell == "INCONCLUSIVE":
				return "v-" + cell
			}
			return ""
		},
	}).Parse(`{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>slocheck history</title>
<style>
{{pageCSS}}</style>{{end}}
{{- /* here the writer inlines the ECharts library */ -}}
{{define "body"}}
</head><body>
<h1>slocheck history: {{len .H.Rows}} runs</h1>
<div class="scroll"><table>
<thead><tr>{{range .T.Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .T.Rows}}<tr>{{range .}}<td{{with verdictClass .}} class="{{.}}"{{end}}>{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table></div>
{{range .Charts}}<h2>{{.Title}}</h2><div class="chart">{{.Element}}</div>
{{.Script}}
{{end}}</body></html>
{{end}}`))
})

// HistoryHTML writes history.html: a self-contained page (ECharts inlined)
// with the history table and one trend chart per objective, the runs that
// regressed against the run before marked.
func HistoryHTML(w io.Writer, h *compare.History) error {
	var cs []chart
	for i := range h.Columns {
		cs = append(cs, trendChart(h, i))
	}
	data := struct {
		H      *compare.History
		T      table
		Charts []chart
	}{H: h, T: historyTable(h), Charts: cs}
	bw := bufio.NewWriter(w)
	if err := historyPage().ExecuteTemplate(bw, "head", data); err != nil {
		return fmt.Errorf("render history.html: %w", err)
	}
	inlineLibrary(bw)
	if err := historyPage().ExecuteTemplate(bw, "body", data); err != nil {
		return fmt.Errorf("render history.html: %w", err)
	}
	return bw.Flush()
}

// trendChart draws one objective over the runs, with its target line and a
// mark on each run that regressed against the one before.
func trendChart(h *compare.History, col int) chart {
	c := h.Columns[col]
	id := fmt.Sprintf("trend_%d", col)
	l := charts.NewLine()
	l.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: "280px"}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: c.Unit}),
	)
	var xs []string
	var data []opts.LineData
	var marks []opts.MarkPointNameCoordItem
	for _, r := range h.Rows {
		x := scriptSafe(stamp(r.Run.Started))
		xs = append(xs, x)
		var v any = "-"
		if r.Values[col] != nil {
			v = *r.Values[col]
		}
		data = append(data, opts.LineData{Value: v})
		for _, reg := range r.Regressed {
			if reg == c.Name+" "+c.Scope && r.Values[col] != nil {
				marks = append(marks, opts.MarkPointNameCoordItem{Name: "regressed", Coordinate: []any{x, *r.Values[col]}, Value: "REGRESSED"})
			}
		}
	}
	l.SetXAxis(xs).AddSeries(scriptSafe(c.Name+" "+c.Scope), data, charts.WithMarkPointNameCoordItemOpts(marks...))
	return lineChartOf(l, id, c.Name+" "+c.Scope)
}
