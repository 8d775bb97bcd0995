package har

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The load an imported scenario starts with: gentle, for a first run
// against a shop nobody has measured yet.
const (
	StartRate     = 10
	StartDuration = time.Minute
)

// target is the scenario's target block: the recording's origin and, when
// the recording has one, the GET that answered 2xx as the pre-run check.
func (s *Scenario) target() *yaml.Node {
	if s.CheckURL == "" {
		return mapping("url", scalar(s.Target))
	}
	return mapping("url", scalar(s.Target), "check_url", scalar(s.CheckURL))
}

// YAML writes s as a scenario file, with comments saying what was dropped,
// what was withheld and where think times came from. source names the
// recording in the comments.
func (s *Scenario) YAML(source string) ([]byte, error) {
	doc := mapping(
		"name", scalar(s.Name),
		"description", scalar(fmt.Sprintf("Imported from a HAR recording of %s (%d requests).", s.Target, len(s.Steps))),
		"target", s.target(),
		"load", s.load(),
	)
	doc.HeadComment = s.headComment(source)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode scenario: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode scenario: %w", err)
	}
	return b.Bytes(), nil
}

func (s *Scenario) load() *yaml.Node {
	steps := &yaml.Node{Kind: yaml.SequenceNode}
	names := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, st := range s.Steps {
		steps.Content = append(steps.Content, st.node())
		names.Content = append(names.Content, scalar(st.Name))
	}
	journey := mapping("name", scalar(s.Name), "weight", number(1),
		"think_time", scalar(s.ThinkTime.String()), "steps", names)
	journey.Content[4].HeadComment = s.thinkComment()
	l := mapping("rate", number(StartRate), "duration", scalar(durationText(StartDuration)),
		"steps", steps, "journeys", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{journey}})
	l.Content[0].HeadComment = "A gentle start: raise rate and duration once `slocheck run` passes."
	return l
}

func (st *Step) node() *yaml.Node {
	n := mapping("name", scalar(st.Name), "method", scalar(st.Method), "url", scalar(st.URL))
	if len(st.Headers) > 0 {
		h := mapping()
		for _, k := range slices.Sorted(maps.Keys(st.Headers)) {
			h.Content = append(h.Content, scalar(k), scalar(st.Headers[k]))
		}
		n.Content = append(n.Content, scalar("headers"), h)
	}
	if st.Body != "" {
		n.Content = append(n.Content, scalar("body"), scalar(st.Body))
	}
	var notes []string
	for _, h := range st.Withheld {
		notes = append(notes, fmt.Sprintf("The recording sent %s (not copied): give it with header_env: {%s: %s}", h, h, envName(h)))
	}
	switch {
	case st.Status == 0:
		notes = append(notes, "The recording got no answer to this request.")
	case st.Status >= 400:
		notes = append(notes, fmt.Sprintf("The recording got %d: add success: [%d] if that is the answer you expect.", st.Status, st.Status))
	}
	if strings.Contains(st.URL, "{{") || strings.Contains(st.Body, "{{") || slices.ContainsFunc(slices.Collect(maps.Values(st.Headers)), func(v string) bool { return strings.Contains(v, "{{") }) {
		notes = append(notes, "The recorded text holds {{: a scenario reads it as a placeholder.")
	}
	n.HeadComment = strings.Join(notes, "\n")
	return n
}

func (s *Scenario) headComment(source string) string {
	var dropped []string
	for _, d := range []struct {
		why, what string
	}{{dropStatic, "static asset"}, {dropScheme, "non-HTTP or data: URL"}, {dropCORS, "CORS preflight"}} {
		switch n := s.Dropped[d.why]; n {
		case 0:
		case 1:
			dropped = append(dropped, "1 "+d.what)
		default:
			dropped = append(dropped, fmt.Sprintf("%d %ss", n, d.what))
		}
	}
	lines := []string{fmt.Sprintf("Imported by `slocheck import har %s`: %d requests kept.", source, len(s.Steps))}
	if len(dropped) > 0 {
		lines = append(lines, "Dropped: "+strings.Join(dropped, ", ")+".")
	}
	if s.Truncated > 0 {
		lines = append(lines, fmt.Sprintf("Not imported: the last %d requests (a journey has at most %d steps).", s.Truncated, len(s.Steps)))
	}
	return strings.Join(append(lines,
		"Cookie values are not copied: each journey keeps its own cookie jar, like",
		"one shopper, so a session cookie the shop sets is sent back as a browser would.",
		"Authorization and other credential headers are not copied either: give each",
		"with header_env (header: the environment variable holding its value).",
		"Bodies are as recorded: put a password or a user in a data file and a",
		"{{data.…}} placeholder here; docs/scenarios.md lists every field.",
	), "\n")
}

func (s *Scenario) thinkComment() string {
	if len(s.Gaps) == 0 {
		return "The recording has no timestamps to take a think time from."
	}
	gaps := make([]string, len(s.Gaps))
	for i, g := range s.Gaps {
		gaps[i] = g.Round(ThinkTimeGrid).String()
	}
	return fmt.Sprintf("The median of the recorded gaps between requests (%s), rounded to %s.", strings.Join(gaps, ", "), ThinkTimeGrid)
}

// envName is the environment variable suggested for header h: SHOP_X_API_KEY.
func envName(h string) string {
	return "SHOP_" + strings.ToUpper(strings.ReplaceAll(h, "-", "_"))
}

// durationText is d as a scenario writes it: 1m rather than 1m0s.
func durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func number(v int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
}

// mapping is a block mapping of key, value pairs.
func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(kv); i += 2 {
		n.Content = append(n.Content, scalar(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}
