package deploycheck

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-shellwords"

	"github.com/slocheck/slocheck/internal/cli"
	"github.com/slocheck/slocheck/internal/runner"
	"github.com/slocheck/slocheck/internal/scenario"
)

// runCLI runs slocheck's real command line in-process and returns its exit code.
func runCLI(t testing.TB, args []string) int {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, cli.IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	if code != 0 {
		t.Logf("slocheck %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return code
}

// quoted is one slocheck command line found in a file.
type quoted struct {
	where string // file:line
	line  string
}

var (
	inlineCode = regexp.MustCompile("`(slocheck [^`]+)`")
	// Shell and pipeline variables stand for values the test gives.
	shellVar = regexp.MustCompile(`\$\{\{[^}]*\}\}|\$\([A-Za-z0-9_.]+\)|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
)

// quotedCommands finds the slocheck command lines in docs/**/*.md (fenced
// code blocks and inline code), .azure-pipelines/**/*.yml and the charts'
// NOTES.txt.
func quotedCommands(t *testing.T) []quoted {
	t.Helper()
	root := repoRoot(t)
	var found []quoted
	for _, dir := range []string{"docs", ".azure-pipelines", "deploy"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			switch {
			case strings.HasSuffix(rel, ".md"):
				found = append(found, commandsIn(t, path, rel, true)...)
			case strings.HasSuffix(rel, ".yml") || strings.HasSuffix(rel, "NOTES.txt"):
				found = append(found, commandsIn(t, path, rel, false)...)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return found
}

// commandsIn returns the command lines of one file: lines that start with
// slocheck (after a prompt or a list dash), joined over trailing
// backslashes; in Markdown only inside fenced code blocks, plus inline code
// spans that start with slocheck.
func commandsIn(t *testing.T, path, rel string, markdown bool) []quoted {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []quoted
	var cont *quoted
	fenced := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if markdown && strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if cont != nil {
			cont.line += " " + strings.TrimSuffix(line, "\\")
			if !strings.HasSuffix(line, "\\") {
				out, cont = append(out, *cont), nil
			}
			continue
		}
		cmd := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(line, "$ "), "- "))
		if strings.HasPrefix(cmd, "slocheck ") && (fenced || !markdown) {
			q := quoted{where: rel + ":" + strconv.Itoa(n), line: strings.TrimSuffix(cmd, "\\")}
			if strings.HasSuffix(cmd, "\\") {
				cont = &q
				continue
			}
			out = append(out, q)
			continue
		}
		if markdown && !fenced {
			for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
				out = append(out, quoted{where: rel + ":" + strconv.Itoa(n), line: m[1]})
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// uncomment drops a shell comment (a # after a blank, outside quotes).
func uncomment(line string) string {
	var quote rune
	prev := ' '
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return strings.TrimSpace(line[:i])
		}
		prev = r
	}
	return line
}

// words splits a command line as the shell would, with variables replaced by
// a plausible value for the flag they follow.
func words(t *testing.T, q quoted) []string {
	t.Helper()
	line := paramExpr.ReplaceAllString(uncomment(q.line), "$$param_$1")
	if i := strings.IndexAny(line, "|;&>"); i >= 0 && !strings.Contains(line[:i], `"`) && !strings.Contains(line[:i], "'") {
		line = line[:i] // the slocheck part of a pipeline
	}
	p := shellwords.NewParser()
	args, err := p.Parse(line)
	if err != nil {
		t.Errorf("%s: %q does not parse as a shell command: %v", q.where, q.line, err)
		return nil
	}
	for i, a := range args {
		args[i] = shellVar.ReplaceAllStringFunc(a, func(v string) string { return placeholder(args, i, v) })
	}
	return args[1:]
}

// placeholder is the value a variable stands for, from the flag before it.
func placeholder(args []string, i int, v string) string {
	prev := ""
	if i > 0 {
		prev = args[i-1]
	}
	switch {
	case strings.Contains(v, "Url") || strings.Contains(v, "URL") || prev == "--target" || prev == "--admin":
		return "https://shop.example.azurefd.net"
	case strings.Contains(v, "region") || prev == "--fault-region" || prev == "--region":
		return "eastus"
	case strings.Contains(v, "duration") || prev == "--fault-for" || prev == "--fault-at" || prev == "--duration":
		return "2m"
	case strings.Contains(v, "rate") || prev == "--rate":
		return "500"
	}
	return "/tmp/x"
}

// Every slocheck command quoted in docs and pipelines is accepted by the real
// command line: command path, flag names and flag values. Each `slocheck run`
// line also yields a valid scenario (flags applied to the scenario it names).
func TestQuotedCommandsParse(t *testing.T) {
	qs := quotedCommands(t)
	t.Chdir(repoRoot(t)) // scenario paths in the docs are relative to the repository
	t.Logf("%d slocheck command lines", len(qs))
	if len(qs) < 20 {
		t.Fatalf("only %d slocheck command lines found in docs/ and .azure-pipelines/: is the extraction broken?", len(qs))
	}
	for _, q := range qs {
		args := words(t, q)
		if args == nil {
			continue
		}
		if code := runCLI(t, append(args, "--help")); code != 0 {
			t.Errorf("%s: slocheck %s: refused by the command line (exit %d)", q.where, strings.Join(args, " "), code)
			continue
		}
		if len(args) > 0 && args[0] == "run" {
			if err := runScenario(args[1:]); err != nil {
				t.Errorf("%s: slocheck %s: %v", q.where, strings.Join(args, " "), err)
			}
		}
	}
}

// runBools are slocheck run's flags that take no value.
var runBools = map[string]bool{"--inconclusive-fails": true, "--quiet": true, "-q": true, "--help": true, "-h": true}

// runScenario builds the scenario a `slocheck run` line would run, without
// running it: the scenario it names with its override flags applied.
func runScenario(args []string) error {
	name := ""
	var o scenario.Overrides
	for i := 0; i < len(args); i++ {
		flag, val, hasVal := strings.Cut(args[i], "=")
		if runBools[flag] {
			continue
		}
		if !hasVal && i+1 < len(args) {
			i++
			val = args[i]
		}
		f := strings.TrimPrefix(flag, "--")
		switch {
		case f == "scenario":
			name = val
			if metavar.MatchString(val) {
				return nil // a placeholder (FILE, NAME): the command line check is all that applies
			}
		case isOverride(f):
			if err := o.Set(f, val); err != nil {
				return err
			}
		}
	}
	// As cli's openScenario: --engine k6 alone runs the shipped failover script.
	if o.Engine != nil && *o.Engine == scenario.EngineK6 && o.Script == nil {
		script := runner.DefaultK6Script
		o.Script = &script
	}
	s, err := scenario.Default()
	if name != "" {
		s, err = scenario.Open(name)
	}
	if err != nil {
		return err
	}
	if s.Script != "" && o.Script != nil && *o.Script == runner.DefaultK6Script {
		o.Script = nil
	}
	return s.Apply(o)
}

// metavar is a placeholder argument in documentation: FILE, DIR, NAME.
var metavar = regexp.MustCompile(`^[A-Z][A-Z_]*$`)

func isOverride(flag string) bool {
	for _, f := range scenario.OverrideFlags {
		if f == flag {
			return true
		}
	}
	return false
}

// The extraction and the check can fail: a wrong flag and an invalid
// scenario are caught.
func TestQuotedCommandsCatchMistakes(t *testing.T) {
	t.Chdir(repoRoot(t))
	for _, bad := range []string{
		"slocheck run --scenario release-gate --target https://x.example --inconclusive-fail",
		"slocheck chaos inject --admin http://127.0.0.1:8089 --region eastus --mode down --ratio half",
		"slocheck reports DIR",
	} {
		q := quoted{where: "test", line: bad}
		if code := runCLI(t, append(words(t, q), "--help")); code == 0 {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := runScenario([]string{"--scenario", "release-gate", "--target", "https://x.example", "--fault-region", "eastus"}); err == nil {
		t.Error("a fault flag without --fault-at/--fault-for on a scenario without fault was accepted")
	}
}
