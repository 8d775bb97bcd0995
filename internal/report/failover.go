package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/slocheck/slocheck/internal/slo"
)

// The failover story: per client region over time, which region served its
// traffic (the served-by header), its failures by kind, each fault's RTO for
// that client region marked, and the front door's probe transitions seen by
// its edge where the run recorded them.

// failoverCharts draws one chart per client region when the run had faults.
func failoverCharts(r *slo.Report) []chart {
	if len(r.Faults) == 0 || len(r.Timeline) == 0 {
		return nil
	}
	var out []chart
	for i, cr := range busyRegions(r) {
		out = append(out, failoverChart(r, cr, fmt.Sprintf("chart_failover_%d", i)))
	}
	return out
}

func failoverChart(r *slo.Report, cr, id string) chart {
	iv := intervalS(r)
	l := timeLine(r, id, "req/s")
	regions, kinds := storyKeys(r, cr)
	first := true
	add := func(name string, pick series) {
		so := []charts.SeriesOpts{charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "end"})}
		if first {
			so = append(so, faultAreas(r)...)
			so = append(so, failoverMarks(r, cr)...)
			first = false
		}
		l.AddSeries(scriptSafe(name), seriesData(r, cr, iv, pick), so...)
	}
	for _, reg := range regions {
		add("served by "+reg, func(p slo.Point, iv float64) (float64, bool) { return float64(p.ServedBy[reg]) / iv, true })
	}
	for _, k := range kinds {
		add("failed: "+kindLabel(k), func(p slo.Point, iv float64) (float64, bool) { return float64(p.FailuresByKind[k]) / iv, true })
	}
	return lineChartOf(l, id, "Failover story, client region "+cr+": who served it, what failed")
}

// busyRegions are the client regions that carried requests, sorted.
func busyRegions(r *slo.Report) []string {
	var out []string
	for _, cr := range sortedKeys(r.Regions) {
		if r.Regions[cr].Requests > 0 {
			out = append(out, cr)
		}
	}
	return out
}

// storyKeys are the serving regions and failure kinds of a client region's
// timeline, sorted.
func storyKeys(r *slo.Report, cr string) (regions, kinds []string) {
	rs, ks := map[string]bool{}, map[string]bool{}
	for _, p := range r.Timeline {
		if p.ClientRegion != cr {
			continue
		}
		for k := range p.ServedBy {
			rs[k] = true
		}
		for k := range p.FailuresByKind {
			ks[k] = true
		}
	}
	return sortedKeys(rs), sortedKeys(ks)
}

// kindLabel is a failure kind as people read it ("client error" for 4xx).
func kindLabel(k string) string {
	if k == "4xx" {
		return "client error (4xx)"
	}
	return k
}

// failoverMarks are vertical lines at each fault's RTO for the client
// region and at each probe transition its edge saw.
func failoverMarks(r *slo.Report, cr string) []charts.SeriesOpts {
	var marks []opts.MarkLineNameXAxisItem
	for i := range r.Faults {
		f := &r.Faults[i]
		if rto := f.RTOS.ByClientRegion[cr]; rto != nil {
			from, _ := faultWindow(r, f)
			marks = append(marks, opts.MarkLineNameXAxisItem{Name: scriptSafe("RTO " + f.Name + " " + seconds(*rto)), XAxis: from + *rto})
		}
	}
	for _, p := range r.Probes {
		if p.Edge == cr {
			marks = append(marks, opts.MarkLineNameXAxisItem{Name: scriptSafe(probeText(p)), XAxis: p.T})
		}
	}
	if len(marks) == 0 {
		return nil
	}
	return []charts.SeriesOpts{charts.WithMarkLineNameXAxisItemOpts(marks...),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"}, Label: &opts.Label{Show: opts.Bool(true), Formatter: "{b}", Position: "insideEndTop"}})} // along the line: close marks do not overwrite each other
}

func probeText(p slo.Probe) string {
	state := "unhealthy"
	if p.Healthy {
		state = "healthy"
	}
	return "probe: " + p.Region + " " + state
}

// failoverTable tells the story in words, one row per fault and client
// region: who served it before, during and after the fault, what failed,
// the RTO, and the probe transitions its edge saw.
func failoverTable(r *slo.Report) table {
	t := table{Title: "Failover story", Wrap: true, Header: []string{"fault", "client region", "served by (before → during → after)", "failures during the fault", "RTO", "probe transitions from the fault on"}}
	for i := range r.Faults {
		f := &r.Faults[i]
		from, to := faultWindow(r, f)
		for _, cr := range busyRegions(r) {
			served := []string{servedIn(r, cr, 0, from), servedIn(r, cr, from, to), servedIn(r, cr, to, r.DurationS+1)}
			t.Rows = append(t.Rows, []string{f.Name, cr, strings.Join(served, " → "), failedIn(r, cr, from, to),
				rtoFor(f, cr), probesIn(r, cr, from, to)})
		}
	}
	return t
}

// servedIn names the regions that served cr's requests in [from, to), the
// largest share first: "westeurope 96 %, eastus 4 %"; "—" without traffic.
func servedIn(r *slo.Report, cr string, from, to float64) string {
	sum := map[string]uint64{}
	var total uint64
	for _, p := range r.Timeline {
		if p.ClientRegion == cr && p.T >= from && p.T < to {
			for reg, n := range p.ServedBy {
				sum[reg] += n
				total += n
			}
		}
	}
	return shares(sum, total)
}

// failedIn is cr's failures by kind in the intervals from the one holding
// from until to: "refused 690, timeout 12".
func failedIn(r *slo.Report, cr string, from, to float64) string {
	sum := map[string]uint64{}
	var total uint64
	for _, p := range r.Timeline {
		if p.ClientRegion == cr && p.T >= math.Floor(from) && p.T < to {
			for k, n := range p.FailuresByKind {
				sum[kindLabel(k)] += n
				total += n
			}
		}
	}
	if total == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedKeys(sum) {
		parts = append(parts, fmt.Sprintf("%s %d", k, sum[k]))
	}
	return strings.Join(parts, ", ")
}

func shares(sum map[string]uint64, total uint64) string {
	if total == 0 {
		return none
	}
	keys := sortedKeys(sum)
	var parts []string
	for len(keys) > 0 {
		best := 0
		for i, k := range keys {
			if sum[k] > sum[keys[best]] {
				best = i
			}
		}
		parts = append(parts, fmt.Sprintf("%s %s", keys[best], trimZeros(fmt.Sprintf("%.0f", 100*float64(sum[keys[best]])/float64(total)))+" %"))
		keys = append(keys[:best], keys[best+1:]...)
	}
	return strings.Join(parts, ", ")
}

// probesIn lists the probe transitions cr's edge saw from the fault's
// start to a little after its heal: "+22.9 s eastus unhealthy".
func probesIn(r *slo.Report, cr string, from, to float64) string {
	var parts []string
	for _, p := range r.Probes {
		if p.Edge == cr && p.T >= from && p.T <= to+r.DurationS {
			parts = append(parts, fmt.Sprintf("+%.1f s %s", p.T, strings.TrimPrefix(probeText(p), "probe: ")))
		}
	}
	if len(parts) == 0 {
		return "not recorded"
	}
	return strings.Join(parts, ", ")
}
