package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/slocheck/slocheck/internal/slo"
)

// The JUnit XML schema as Azure Pipelines' PublishTestResults@2 (testResultsFormat: JUnit),
// Jenkins and GitLab read it.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr"`
		Properties []junitProperty `xml:"properties>property"`
		Cases      []junitCase     `xml:"testcase"`
		SystemOut  string          `xml:"system-out,omitempty"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitMessage `xml:"failure"`
		Skipped   *junitMessage `xml:"skipped"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitMessage struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
		Text    string `xml:",chardata"`
	}
)

// JUnit writes junit.xml: one testsuite named after the scenario, one
// testcase per objective named "<objective> <scope>" (e.g. "p99 overall") with
// classname "slocheck.<scenario>". PASS is a passed case; FAIL a <failure>
// whose message puts the value against the target ("value 181.0 ms >= target
// 150.0 ms"); INCONCLUSIVE a <skipped> case, since the sample could not decide
// (the release gate reads the exit code, which says whether inconclusive
// fails the run); INFO a passed case. Every case carries its figure in
// <system-out>, and the suite carries the notes.
func JUnit(w io.Writer, r *slo.Report) error {
	s := junitSuite{
		Name:      "slocheck " + r.Scenario,
		Time:      fmt.Sprintf("%.3f", r.DurationS),
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{"scenario", r.Scenario}, {"engine", r.Engine}, {"target", r.Target},
			{"verdict", string(r.Verdict)}, {"exit_code", fmt.Sprint(r.ExitCode)},
		},
		SystemOut: strings.Join(append([]string{summaryLine(r)}, notes(r)...), "\n"),
	}
	for i := range r.Objectives {
		c := junitCaseFor(r, &r.Objectives[i])
		s.Tests++
		if c.Failure != nil {
			s.Failures++
		}
		if c.Skipped != nil {
			s.Skipped++
		}
		s.Cases = append(s.Cases, c)
	}
	doc := junitSuites{Name: "slocheck", Tests: s.Tests, Failures: s.Failures, Skipped: s.Skipped, Time: s.Time,
		Suites: []junitSuite{s}}
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit.xml: %w", err)
	}
	bw.WriteString("\n")
	return bw.Flush()
}

// junitCaseFor maps one objective's verdict onto a test case.
func junitCaseFor(r *slo.Report, o *slo.Objective) junitCase {
	c := junitCase{Name: objName(o), Classname: "slocheck." + r.Scenario, Time: "0", SystemOut: figure(o)}
	switch o.Verdict {
	case slo.Fail:
		c.Failure = &junitMessage{Message: withReason(failMessage(o), o), Type: string(slo.Fail), Text: figure(o)}
	case slo.Inconclusive:
		msg := "inconclusive: the two-sided 95 % interval " + interval(o) + " contains the target " + target(o)
		if o.RequestsToDecide > 0 {
			msg += fmt.Sprintf("; about %d more requests would decide", o.RequestsToDecide)
		}
		c.Skipped = &junitMessage{Message: withReason(msg, o)}
	}
	return c
}

// failMessage puts a failed objective's value against its target.
func failMessage(o *slo.Objective) string {
	_, fail := bound(o)
	if o.Value == nil {
		return fmt.Sprintf("value %s, target %s", objValue(o), target(o))
	}
	return fmt.Sprintf("value %s %s target %s", objValue(o), fail, inUnit(o.Target, o.Unit))
}

// withReason appends the objective's reason, when it has one, to msg.
func withReason(msg string, o *slo.Objective) string {
	if o.Reason == "" {
		return msg
	}
	return msg + ": " + o.Reason
}

// figure is one line with everything known about an objective.
func figure(o *slo.Objective) string {
	s := fmt.Sprintf("%s: value %s, two-sided 95 %% interval %s, target %s, verdict %s", objName(o), objValue(o), interval(o),
		target(o), o.Verdict)
	if o.N > 0 {
		s += fmt.Sprintf(", n=%d", o.N)
	}
	if o.RequestsToDecide > 0 {
		s += fmt.Sprintf(", about %d more requests would decide", o.RequestsToDecide)
	}
	if o.Detail != "" && o.Value != nil {
		s += ", " + o.Detail
	}
	return s
}
