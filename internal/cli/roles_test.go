package cli_test

import (
	"strings"
	"testing"
	"time"
)

// TestRunRoleFlagsRefused: a generator refuses fault flags, a conductor load
// flags; wrong roles, segments, client regions and start instants are usage
// errors naming the flag; a start already past is a rig failure that says
// the process missed it.
func TestRunRoleFlagsRefused(t *testing.T) {
	out := t.TempDir()
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--role", "generator", "--fault-region", "eastus"}, 2, "a generator injects nothing"},
		{[]string{"--role", "generator", "--inject-cmd", "true", "--heal-cmd", "true"}, 2, "a generator injects nothing"},
		{[]string{"--role", "conductor", "--rate", "10"}, 2, "a conductor sends no load"},
		{[]string{"--role", "conductor", "--segment", "0:1/2"}, 2, "a conductor sends no load"},
		{[]string{"--role", "janitor"}, 2, `role "janitor"`},
		{[]string{"--client-region", "us"}, 2, "need --role generator"},
		{[]string{"--role", "generator", "--client-region", "mars"}, 2, `client region "mars" is not one of the scenario's`},
		{[]string{"--role", "generator", "--segment", "1/2"}, 2, "--segment"},
		{[]string{"--start-at", "tomorrow"}, 2, "--start-at tomorrow"},
		{[]string{"--role", "generator", "--segments", "2", "--segment-index", "2"}, 2, "--segments 2 --segment-index 2"},
		{[]string{"--role", "generator", "--segments", "2", "--segment", "0:1/2"}, 2, "--segment and --segments"},
		{[]string{"--role", "generator", "--start-at", past, "--out", out}, 3, "missed the shared start"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, nil, append([]string{"run", "--quiet"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("run %v: exit %d, %q; want %d with %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
