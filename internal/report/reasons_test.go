package report

import (
	"bytes"
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slocheck/slocheck/internal/slo"
)

// longReason is a reason as long as the one that made the console table 200
// characters wide when it stood in the value column (issue 11).
const longReason = "the generator was late by up to 412 ms: its own lag, not the target's; " +
	"its send lag and CPU saturation are in the health records of the results stream"

// reasonFixture is the fixture with one objective whose only explanation is
// a long detail and another with a long reason.
func reasonFixture() *slo.Report {
	r := fixture()
	for i := range r.Objectives {
		o := &r.Objectives[i]
		switch {
		case o.Name == "p99" && o.Scope == "region:eastus":
			o.Verdict, o.Reason = slo.Inconclusive, longReason
		case o.Name == "rto" && o.Scope == "fault:westeurope-slow":
			o.Detail = "no stable stretch of " + longReason
		}
	}
	return r
}

// TestReasonsUnderTheTable checks that every objective that is not PASS has
// its one-line reason (its Reason, else its Detail) under the table in the
// console, report.md and report.html, and that no reason widens the table.
func TestReasonsUnderTheTable(t *testing.T) {
	r := reasonFixture()
	want := []string{
		"FAIL p99 step:checkout: the whole 95 % interval lies above the target",
		"INCONCLUSIVE p99 region:eastus: " + longReason,
		"INCONCLUSIVE availability steady-state: 24,000 failure-free requests; 29,956 decide 99.99 %",
		"FAIL rto fault:westeurope-slow: no stable stretch of " + longReason,
	}
	var console, md, page bytes.Buffer
	if err := Table(&console, r); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(console.String(), "\n")
	tableEnd := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "└") {
			tableEnd = i
		}
		if strings.HasPrefix(l, "│") && utf8.RuneCountInString(l) > 110 {
			t.Errorf("table row %d runes wide (a reason in a cell?):\n%s", utf8.RuneCountInString(l), l)
		}
	}
	under := strings.Join(lines[tableEnd+1:], "\n")
	mdText, pageText := md.String(), html.UnescapeString(page.String())
	for _, w := range want {
		if !strings.Contains(under, w+"\n") {
			t.Errorf("console: no line %q under the table:\n%s", w, console.String())
		}
		if !strings.Contains(mdText, "- "+mdEscape(w)+"\n") {
			t.Errorf("report.md lacks %q", w)
		}
		if !strings.Contains(pageText, "<li>"+w+"</li>") {
			t.Errorf("report.html lacks %q", w)
		}
	}
	if strings.Contains(under, "PASS p99 overall") {
		t.Errorf("a PASS objective has a reason line:\n%s", under)
	}
	if strings.Count(mdText, longReason) != 2 || strings.Count(pageText, longReason) != 2 {
		t.Errorf("the long reasons appear %d times in report.md and %d in report.html, want 2 each (under the table only)",
			strings.Count(mdText, longReason), strings.Count(pageText, longReason))
	}
}

// TestStatisticsSaidExactly checks the line under every objectives table:
// a verdict on one side of a two-sided 95 % interval is a one-sided 97.5 % test.
func TestStatisticsSaidExactly(t *testing.T) {
	for name, w := range map[string]Writer{"console": Table, "md": Markdown, "html": HTML} {
		var buf bytes.Buffer
		if err := w(&buf, fixture()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "verdicts: one-sided tests at 97.5 % on the 95 % two-sided intervals") {
			t.Errorf("%s lacks the note on the verdicts' test", name)
		}
	}
}

// TestConsoleFaultLines checks that the console gives each fault's RTO and,
// beside its RPO, the lost, late and unread writes.
func TestConsoleFaultLines(t *testing.T) {
	r := fixture()
	r.Faults[1].UnreadWrites = 7
	var buf bytes.Buffer
	if err := Table(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"fault eastus-down: RTO 4.20 s, last failure at +24.2 s; RPO 350.0 ms: 3 lost, 1 late of 512 acknowledged writes\n",
		"fault westeurope-slow: RTO not recovered, no failure; RPO —: 0 lost, 0 late of 80 acknowledged writes, 7 not read back\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("console lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestNoRowsWithoutTraffic checks that a client region or step that carried
// no request is not listed (issue 11: steps a k6 script never sent were rows).
func TestNoRowsWithoutTraffic(t *testing.T) {
	r := fixture()
	r.Steps["cart"] = slo.RegionSummary{}
	r.Regions["shoppers"] = slo.RegionSummary{}
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"| cart ", "| shoppers "} {
		if strings.Contains(buf.String(), name) {
			t.Errorf("report.md lists %q, which carried no traffic", name)
		}
	}
	if !strings.Contains(buf.String(), "| checkout ") {
		t.Error("report.md lost the checkout step")
	}
}
