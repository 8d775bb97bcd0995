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

// FinalRun is one run the final report draws on.
type FinalRun struct {
	Role   string // "release gate", "nightly failover", "game day"
	Dir    string
	Report *slo.Report
	Charts string // the file beside final-report.md with its charts (its report.html)
}

// FinalInput is what final-report.md is made of: the release gate's run, a
// nightly failover run, a game day's run, and the cost estimate (Markdown,
// docs/cost.md; "" for none).
type FinalInput struct {
	Gate, Nightly, GameDay FinalRun
	Cost                   string
}

// FinalReport writes final-report.md with the sections the platform's
// project plan names: summary against the four NFRs, architecture as the
// runs saw it, performance (the release gate), disaster-recovery results
// (RTO and RPO per fault and client region), cost estimates, lessons learned
// and potential improvements. Every figure comes from the runs' reports;
// nothing is left to fill by hand.
func FinalReport(w io.Writer, in *FinalInput) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Final report: SLO verification of the multi-region shop\n\n")
	runs := []*FinalRun{&in.Gate, &in.Nightly, &in.GameDay}
	if err := finalRunsTable(bw, runs); err != nil {
		return err
	}
	sections := []func(io.Writer, *FinalInput) error{finalSummary, finalArchitecture, finalPerformance, finalDR, finalCost, finalLessons, finalImprovements}
	for _, s := range sections {
		if err := s(bw, in); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func finalRunsTable(w io.Writer, runs []*FinalRun) error {
	t := table{Header: []string{"run", "directory", "scenario", "started", "requests", "labels", "verdict", "charts"}}
	for _, r := range runs {
		t.Rows = append(t.Rows, []string{r.Role, r.Dir, r.Report.Scenario, stamp(r.Report.Started), count(r.Report.Requests),
			Labels(r.Report.Labels), string(r.Report.Verdict), r.Charts})
	}
	return renderTable(w, renderer.NewMarkdown(), mdTable(t))
}

// nfr is one row of the summary: an objective of one run.
type nfr struct {
	what, target string
	run          *FinalRun
	obj          *slo.Objective
}

func nfrs(in *FinalInput) []nfr {
	pick := func(r *FinalRun, name, scope string) *slo.Objective {
		for i := range r.Report.Objectives {
			if o := &r.Report.Objectives[i]; o.Name == name && (o.Scope == scope || scope == "" && o.Verdict != slo.Info) {
				return o
			}
		}
		return nil
	}
	worstBudget := func(r *FinalRun) *slo.Objective {
		var w *slo.Objective
		for i := range r.Report.Objectives {
			if o := &r.Report.Objectives[i]; o.Name == "budget" && o.Value != nil && (w == nil || *o.Value > *w.Value) {
				w = o
			}
		}
		return w
	}
	return []nfr{
		{"p99 latency", "< 150 ms", &in.Gate, pick(&in.Gate, "p99", "overall")},
		{"availability (steady state)", ">= 99.99 %", &in.Gate, pick(&in.Gate, "availability", "steady-state")},
		{"RTO (worst fault)", "< 10 s", &in.Nightly, pick(&in.Nightly, "rto", "overall")},
		{"RPO (worst fault)", "< 10 s", &in.Nightly, pick(&in.Nightly, "rpo", "overall")},
		{"error budget (worst fault)", "<= 20 % of 30 days", &in.Nightly, worstBudget(&in.Nightly)},
	}
}

func finalSummary(w io.Writer, in *FinalInput) error {
	fmt.Fprint(w, "\n## 1. Summary\n\n")
	t := table{Header: []string{"NFR", "target", "result", "95 % interval", "verdict", "run"}}
	met, judged := 0, 0
	for _, n := range nfrs(in) {
		if n.obj == nil {
			t.Rows = append(t.Rows, []string{n.what, n.target, none, none, "not measured", n.run.Role})
			continue
		}
		judged++
		if n.obj.Verdict == slo.Pass {
			met++
		}
		t.Rows = append(t.Rows, []string{n.what, target(n.obj), objValue(n.obj), interval(n.obj), string(n.obj.Verdict), n.run.Role})
	}
	fmt.Fprintf(w, "%d of the %d objectives measured passed. The release gate's run ended %s, the nightly failover run %s and the game day %s.\n\n",
		met, judged, in.Gate.Report.Verdict, in.Nightly.Report.Verdict, in.GameDay.Report.Verdict)
	return renderTable(w, renderer.NewMarkdown(), mdTable(t))
}

func finalArchitecture(w io.Writer, in *FinalInput) error {
	fmt.Fprint(w, "\n## 2. Architecture\n\n")
	fmt.Fprintln(w, "A shop in two regions behind a global front door, with a multi-region data store: the runs measured it as deployed.")
	fmt.Fprintln(w)
	for _, r := range []*FinalRun{&in.Gate, &in.Nightly, &in.GameDay} {
		var faults []string
		for _, f := range r.Report.Faults {
			faults = append(faults, fmt.Sprintf("%s (%s %s by %s)", f.Name, f.Target, f.Mode, f.Injector))
		}
		if len(faults) == 0 {
			faults = []string{"no fault"}
		}
		fmt.Fprintf(w, "- %s: target %s, engine %s, client regions %s; %s.\n", mdEscape(r.Role), mdEscape(r.Report.Target),
			mdEscape(r.Report.Engine), mdEscape(strings.Join(sortedKeys(r.Report.Regions), ", ")), mdEscape(strings.Join(faults, ", ")))
	}
	return nil
}

// section renders the report's tables of the titles given, as report.md does.
func section(w io.Writer, r *slo.Report, heading string, titles ...string) error {
	for _, t := range tables(r) {
		for _, want := range titles {
			if t.Title != want {
				continue
			}
			fmt.Fprintf(w, "\n%s %s\n\n", heading, t.Title)
			if err := renderTable(w, renderer.NewMarkdown(), mdTable(t)); err != nil {
				return err
			}
		}
	}
	return nil
}

func finalPerformance(w io.Writer, in *FinalInput) error {
	fmt.Fprintf(w, "\n## 3. Performance (release gate)\n\n%s\n", mdEscape(summaryLine(in.Gate.Report)))
	if in.Gate.Charts != "" {
		fmt.Fprintf(w, "\nCharts (requests, failures and p99 over time per client region): [%s](%s)\n", in.Gate.Charts, in.Gate.Charts)
	}
	return section(w, in.Gate.Report, "###", "Objectives", "Client regions", "Journey steps")
}

func finalDR(w io.Writer, in *FinalInput) error {
	fmt.Fprint(w, "\n## 4. Disaster recovery results\n\n")
	t := table{Header: []string{"run", "fault", "region", "mode", "duration", "RTO", "RTO by client region", "RPO", "lost / acknowledged orders", "budget share", "verdict"}}
	for _, r := range []*FinalRun{&in.Nightly, &in.GameDay} {
		for i := range r.Report.Faults {
			f := &r.Report.Faults[i]
			var by []string
			for _, cr := range sortedKeys(f.RTOS.ByClientRegion) {
				by = append(by, cr+" "+optSeconds(f.RTOS.ByClientRegion[cr], notRecovered))
			}
			t.Rows = append(t.Rows, []string{r.Role, f.Name, f.Target, f.Mode, healedText(r.Report, f), optSeconds(f.RTOS.Overall, notRecovered),
				strings.Join(by, ", "), optSeconds(f.RPOS, none), count(f.LostWrites) + " / " + count(f.AckedWrites), percent(f.BudgetShare), string(r.Report.Verdict)})
		}
	}
	if err := renderTable(w, renderer.NewMarkdown(), mdTable(t)); err != nil {
		return err
	}
	for _, r := range []*FinalRun{&in.Nightly, &in.GameDay} {
		if err := section(w, r.Report, "### "+r.Role+":", "Faults", "Recovery and cost"); err != nil {
			return err
		}
	}
	return nil
}

// headingRE matches a Markdown heading, to demote the cost file's headings
// under this report's section.
var headingRE = regexp.MustCompile(`(?m)^(#{1,4}) `)

func finalCost(w io.Writer, in *FinalInput) error {
	fmt.Fprint(w, "\n## 5. Cost estimates\n\n")
	if strings.TrimSpace(in.Cost) == "" {
		fmt.Fprintln(w, "No cost estimate was given to this report (final-report --cost docs/cost.md).")
		return nil
	}
	_, err := fmt.Fprintln(w, strings.TrimSpace(headingRE.ReplaceAllString(in.Cost, "##$1 ")))
	return err
}

func finalLessons(w io.Writer, in *FinalInput) error {
	fmt.Fprint(w, "\n## 6. Lessons learned\n\n")
	n := 0
	for _, r := range []*FinalRun{&in.Gate, &in.Nightly, &in.GameDay} {
		for _, why := range reasons(r.Report) {
			fmt.Fprintf(w, "- %s: %s\n", mdEscape(r.Role), mdEscape(why))
			n++
		}
		for _, note := range notes(r.Report) {
			fmt.Fprintf(w, "- %s: %s\n", mdEscape(r.Role), mdEscape(note))
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "Every objective of the three runs passed, with no note.")
	}
	return nil
}

func finalImprovements(w io.Writer, in *FinalInput) error {
	fmt.Fprint(w, "\n## 7. Potential improvements\n\n")
	var out []string
	for _, r := range []*FinalRun{&in.Gate, &in.Nightly, &in.GameDay} {
		for i := range r.Report.Objectives {
			if s := improvement(&r.Report.Objectives[i]); s != "" {
				out = append(out, fmt.Sprintf("- %s: %s", mdEscape(r.Role), mdEscape(s)))
			}
		}
	}
	if len(out) == 0 {
		out = []string{"- None the runs point to: every deciding objective passed with its whole interval under half its target."}
	}
	_, err := fmt.Fprintln(w, strings.Join(out, "\n"))
	return err
}

// improvement is what one objective suggests: more requests where it could
// not decide, a look where it failed, headroom where it passed above half
// its target ("" for none).
func improvement(o *slo.Objective) string {
	name := objName(o)
	switch {
	case o.Verdict == slo.Info:
		return ""
	case o.Verdict == slo.Inconclusive && o.RequestsToDecide > 0:
		return fmt.Sprintf("%s could not be decided: %s more requests would decide it (a longer or faster run)", name, count(o.RequestsToDecide))
	case o.Verdict == slo.Inconclusive:
		return name + " could not be decided: " + o.Reason
	case o.Verdict == slo.Fail:
		return name + " failed: " + o.Reason
	case o.Value != nil && o.Unit == "s" && *o.Value > o.Target/2:
		return fmt.Sprintf("%s passed at %s, more than half its target %s: little headroom", name, objValue(o), target(o))
	}
	return ""
}
