package report

import (
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/slocheck/slocheck/internal/slo"
)

// lagNote explains the replication-lag table under it.
const lagNote = "the lag probe's markers, written in one region at a fixed rate and polled in the other until visible; " +
	"each figure is at most its resolution above the true lag (about one poll while the probe keeps pace); lost: never seen, a lost write of the probe itself"

// lagTable lists the probe's figures per region pair.
func lagTable(r *slo.Report) table {
	t := table{Title: "Replication lag", Header: []string{"from", "to", "markers seen", "lost", "p50", "p99", "max", "resolution (median, widest)"}, Note: lagNote}
	for _, l := range r.ReplicationLag {
		t.Rows = append(t.Rows, []string{l.From, l.To, fmt.Sprint(l.Samples), fmt.Sprint(l.Lost),
			optSeconds(l.P50S, "-"), optSeconds(l.P99S, "-"), optSeconds(l.MaxS, "-"),
			optSeconds(l.MedianResolutionS, "-") + ", " + optSeconds(l.MaxResolutionS, "-")})
	}
	return t
}

// lagLines are the console's lines about replication lag, one per pair.
func lagLines(r *slo.Report) []string {
	var out []string
	for _, l := range r.ReplicationLag {
		out = append(out, fmt.Sprintf("replication lag %s→%s: p50 %s, p99 %s, max %s over %d markers, %d lost",
			l.From, l.To, optSeconds(l.P50S, "-"), optSeconds(l.P99S, "-"), optSeconds(l.MaxS, "-"), l.Samples, l.Lost))
	}
	return out
}

// lagChart draws the largest lag of each interval's markers per region pair,
// beside the fault windows (shaded); a lost marker shows as a gap.
func lagChart(r *slo.Report) []chart {
	if len(r.LagTimeline) == 0 {
		return nil
	}
	l := charts.NewLine()
	l.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: "chart_lag", Width: "100%", Height: "320px"}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "s", Min: 0, Max: math.Max(r.DurationS, 0)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "ms"}),
	)
	series, names := lagSeries(r)
	for i, name := range names {
		so := []charts.SeriesOpts{charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), Step: "end"})}
		if i == 0 {
			so = append(so, faultAreas(r)...)
		}
		l.AddSeries(name, series[name], so...)
	}
	return []chart{lineChartOf(l, "chart_lag", "Replication lag by region pair (largest per interval of writes)")}
}

// lagSeries is each region pair's largest lag per interval, in ms, by pair
// name, and the names in order. An interval without a marker seen (the
// region took no write, or every marker was lost) is a gap, not the last
// value drawn on.
func lagSeries(r *slo.Report) (map[string][]opts.LineData, []string) {
	iv := intervalS(r)
	series := map[string][]opts.LineData{}
	last := map[string]float64{}
	var names []string
	for _, p := range r.LagTimeline {
		name := scriptSafe(p.From + "→" + p.To)
		if t, ok := last[name]; !ok {
			names = append(names, name)
		} else if p.T-t > 1.5*iv {
			series[name] = append(series[name], opts.LineData{Value: []any{t + iv, "-"}})
		}
		last[name] = p.T
		var v any = "-"
		if p.MaxS != nil {
			v = *p.MaxS * 1e3
		}
		series[name] = append(series[name], opts.LineData{Value: []any{p.T, v}})
	}
	return series, names
}
