package report

import (
	"html/template"
	"math"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/slocheck/slocheck/internal/slo"
)

// chart is one go-echarts chart as page fragments: its <div> and its <script>.
type chart struct {
	ID      string
	Title   string
	Element template.HTML
	Script  template.HTML
}

// series picks one figure from a timeline point; ok is false when the point
// has no such figure (no p99 in an empty interval).
type series func(p slo.Point, intervalS float64) (v float64, ok bool)

// timelineCharts draws requests/s, failures/s and p99 over time, one line per
// client region ("all" for the whole run), with every fault's window shaded.
func timelineCharts(r *slo.Report) []chart {
	if len(r.Timeline) == 0 {
		return lagChart(r)
	}
	rate := func(f func(slo.Point) uint64) series {
		return func(p slo.Point, iv float64) (float64, bool) { return float64(f(p)) / iv, true }
	}
	p99ms := func(p slo.Point, _ float64) (float64, bool) {
		if p.P99S == nil {
			return 0, false
		}
		return *p.P99S * 1e3, true
	}
	return append([]chart{
		lineChart(r, "chart_rps", "Requests per second by client region", "req/s",
			rate(func(p slo.Point) uint64 { return p.Requests })),
		lineChart(r, "chart_fps", "Failures per second by client region", "failures/s",
			rate(func(p slo.Point) uint64 { return p.Failures })),
		lineChart(r, "chart_p99", "p99 latency by client region (successful requests)", "ms", p99ms),
	}, lagChart(r)...) // lag.go
}

// lineChart draws one figure of every client region's series over time.
func lineChart(r *slo.Report, id, title, unit string, pick series) chart {
	iv := intervalS(r)
	l := timeLine(r, id, unit)
	for i, cr := range timelineRegions(r) {
		so := []charts.SeriesOpts{charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "end"})}
		if i == 0 {
			so = append(so, faultAreas(r)...)
		}
		l.AddSeries(scriptSafe(regionLabel(cr)), seriesData(r, cr, iv, pick), so...)
	}
	return lineChartOf(l, id, title)
}

// timeLine is an empty line chart over the run's time axis (seconds), with
// a legend, an axis tooltip and wheel and drag zoom.
func timeLine(r *slo.Report, id, unit string) *charts.Line {
	l := charts.NewLine()
	l.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: "320px"}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside"}), // wheel and drag zoom into the time axis
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "s", Min: 0, Max: math.Max(r.DurationS, 0)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: unit}),
	)
	return l
}

// seriesData is one client region's figure per interval as [t, value]
// pairs. Each value holds for its interval [t, t+interval): the line is drawn
// as steps ending at the next point, and a closing point at the end of the
// last interval gives that interval its width. A missing value is "-",
// ECharts' empty value, drawn as a gap.
func seriesData(r *slo.Report, clientRegion string, iv float64, pick series) []opts.LineData {
	var data []opts.LineData
	var last slo.Point
	for _, p := range r.Timeline {
		if p.ClientRegion != clientRegion {
			continue
		}
		data = append(data, opts.LineData{Value: []any{p.T, pickOrGap(pick, p, iv)}})
		last = p
	}
	if len(data) > 0 {
		data = append(data, opts.LineData{Value: []any{last.T + iv, pickOrGap(pick, last, iv)}})
	}
	return data
}

// pickOrGap is a point's figure, or "-" when it has none.
func pickOrGap(pick series, p slo.Point, iv float64) any {
	if v, ok := pick(p, iv); ok {
		return v
	}
	return "-"
}

// faultAreas shades each fault's window, from injection to heal (or to the
// end of the run when it was never healed), labelled with the fault's name.
func faultAreas(r *slo.Report) []charts.SeriesOpts {
	if len(r.Faults) == 0 {
		return nil
	}
	var areas [][]opts.MarkAreaData
	for i := range r.Faults {
		from, to := faultWindow(r, &r.Faults[i])
		areas = append(areas, []opts.MarkAreaData{{Name: scriptSafe(r.Faults[i].Name), XAxis: from}, {XAxis: to}})
	}
	return []charts.SeriesOpts{
		charts.WithMarkAreaData(areas...),
		charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: "rgba(220, 53, 69, 0.12)"}}),
	}
}

// scriptSafe keeps a name from closing the chart's <script>: go-echarts
// writes the option JSON into the page without HTML escaping, so a "<" is
// shown as "‹" in chart labels (tables escape names properly).
func scriptSafe(name string) string { return strings.ReplaceAll(name, "<", "‹") }

// timelineRegions are the series' client regions in order: "" (all) first,
// then the regions sorted.
func timelineRegions(r *slo.Report) []string {
	set := map[string]bool{}
	for _, p := range r.Timeline {
		set[p.ClientRegion] = true
	}
	return sortedKeys(set) // "" sorts first
}
