package report

import (
	"bufio"
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/slocheck/slocheck/internal/slo"
)

// Table writes the console summary: one line about the run, a compact table
// of objectives with verdicts, under it how verdicts read the intervals and
// why each objective that is not PASS is not, one line per fault (RTO, when
// the last failure ended, RPO beside the lost and late writes), the notes,
// and a last line "verdict: PASS (exit 0)" for scripts and humans scanning a
// CI log.
func Table(w io.Writer, r *slo.Report) error {
	bw := bufio.NewWriter(w) // latches the first write error; tablewriter drops them
	fmt.Fprintln(bw, summaryLine(r))
	t := table{Header: []string{"objective", "value", "95 % interval", "target", "verdict", "to decide"}}
	for i := range r.Objectives {
		o := &r.Objectives[i]
		t.Rows = append(t.Rows, []string{objName(o), objValue(o), interval(o), target(o), string(o.Verdict), toDecide(o)})
	}
	if err := renderTable(bw, renderer.NewBlueprint(), t); err != nil {
		return err
	}
	if n := intervalNote(r); n != "" {
		fmt.Fprintln(bw, n)
	}
	for _, why := range reasons(r) {
		fmt.Fprintln(bw, why)
	}
	for i := range r.Faults {
		fmt.Fprintln(bw, faultLine(r, &r.Faults[i]))
	}
	for _, l := range lagLines(r) { // lag.go
		fmt.Fprintln(bw, l)
	}
	for _, n := range notes(r) {
		fmt.Fprintln(bw, "note: "+n)
	}
	fmt.Fprintf(bw, "verdict: %s (exit %d)\n", r.Verdict, r.ExitCode)
	return bw.Flush()
}

// renderTable renders t (header and rows; not its title) with a tablewriter
// renderer, keeping the header's case.
func renderTable(w io.Writer, rend tw.Renderer, t table) error {
	tb := tablewriter.NewTable(w,
		tablewriter.WithRenderer(rend),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	tb.Header(t.Header)
	for _, row := range t.Rows {
		if err := tb.Append(row); err != nil {
			return fmt.Errorf("table %q: %w", t.Title, err)
		}
	}
	if err := tb.Render(); err != nil {
		return fmt.Errorf("table %q: %w", t.Title, err)
	}
	return nil
}

// faultLine sums up one fault for the console: "fault eastus-down: RTO
// 4.20 s, last failure at +24.2 s; RPO 350.0 ms: 3 lost, 1 late of 512
// acknowledged writes".
func faultLine(r *slo.Report, f *slo.FaultSummary) string {
	last := "no failure"
	if f.LastFailure != nil {
		last = fmt.Sprintf("last failure at +%.1f s", f.LastFailure.Sub(r.Started).Seconds())
	}
	writes := fmt.Sprintf("%s lost, %s late of %s acknowledged writes", count(f.LostWrites), count(f.LateWrites), count(f.AckedWrites))
	if f.UnreadWrites > 0 {
		writes += fmt.Sprintf(", %s not read back", count(f.UnreadWrites))
	}
	return fmt.Sprintf("fault %s: RTO %s, %s; RPO %s: %s", f.Name,
		optSeconds(f.RTOS.Overall, notRecovered), last, optSeconds(f.RPOS, none), writes)
}
