package report

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/olekukonko/tablewriter/renderer"

	"github.com/slocheck/slocheck/internal/slo"
)

// Markdown writes report.md, the final-report figures: a summary line with the
// verdict, then the objectives (value, two-sided 95 % interval, target,
// verdict, requests to decide; under them how verdicts read the intervals and
// why each objective that is not PASS is not), the client regions (requests, failures, p50, p99,
// served by), the journey steps, the faults (injected, healed, RTO overall
// and per client region, lost and late writes, RPO, budget burn and share)
// and the notes.
func Markdown(w io.Writer, r *slo.Report) error {
	bw := bufio.NewWriter(w) // latches the first write error; tablewriter drops them
	fmt.Fprintf(bw, "# slocheck report: %s\n\n", mdEscape(r.Scenario))
	fmt.Fprintf(bw, "**Verdict: %s** (exit %d) · %s\n", r.Verdict, r.ExitCode, mdEscape(summaryLine(r)))
	for _, t := range tables(r) {
		fmt.Fprintf(bw, "\n## %s\n\n", t.Title)
		if err := renderTable(bw, renderer.NewMarkdown(), mdTable(t)); err != nil {
			return err
		}
		if t.Note != "" {
			fmt.Fprintf(bw, "\n%s\n", mdEscape(t.Note))
		}
		if len(t.Why) > 0 {
			fmt.Fprintln(bw)
		}
		for _, why := range t.Why {
			fmt.Fprintf(bw, "- %s\n", mdEscape(why))
		}
	}
	if ns := notes(r); len(ns) > 0 {
		fmt.Fprint(bw, "\n## Notes\n\n")
		for _, n := range ns {
			fmt.Fprintf(bw, "- %s\n", mdEscape(n))
		}
	}
	return bw.Flush()
}

// mdTable escapes every cell of t for a Markdown table.
func mdTable(t table) table {
	c := table{Title: t.Title, Header: make([]string, len(t.Header))}
	for i, h := range t.Header {
		c.Header[i] = mdEscape(h)
	}
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = mdEscape(v)
		}
		c.Rows = append(c.Rows, cells)
	}
	return c
}

// mdEscaper escapes what would break a table cell or start emphasis or code.
var mdEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "*", `\*`, "_", `\_`, "`", "\\`")

// mdTag matches what a Markdown renderer would take for the start of an HTML
// tag; "< 150.0 ms" is left alone.
var mdTag = regexp.MustCompile(`<([A-Za-z/!?])`)

// mdEscape makes text safe inside a Markdown line or table cell.
func mdEscape(s string) string { return mdTag.ReplaceAllString(mdEscaper.Replace(s), "&lt;$1") }
