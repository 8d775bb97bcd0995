package cli

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/chaos"
	// Registers every shipped injector kind with chaos.Build (and so with
	// chaos.HealDir), for all of this package's commands.
	_ "github.com/slocheck/slocheck/internal/chaos/builtin"
	"github.com/slocheck/slocheck/results"
)

// faultFlags describe one fault on the command line: the embedded platform's
// admin API, an HTTP hook or a command pair.
type faultFlags struct {
	name                                  string
	admin, region, mode, tokenEnv         string
	ratio                                 float64
	latency, timeout                      time.Duration
	injectURL, injectMethod, injectBody   string
	healURL, healMethod, healBody         string
	headers, headerEnv                    []string
	injectCmd, healCmd                    string
	getenv                                func(string) string
	platformOnly, httpOnly, injectingOnly []string // flag names, for checks
}

func (f *faultFlags) register(cmd *cobra.Command, inject bool) {
	fs := cmd.Flags()
	fs.StringVar(&f.admin, "admin", "", "embedded platform: its admin API `URL` (slocheck platform serve --describe prints it)")
	fs.StringVar(&f.region, "region", "", "`REGION` to fault (platform), or the fault's target label (hook, commands)")
	fs.StringVar(&f.tokenEnv, "token-env", "", "platform: environment `VARIABLE` holding the admin API's bearer token (default SLOCHECK_ADMIN_TOKEN when set)")
	fs.StringVar(&f.healURL, "heal-url", "", "HTTP hook: `URL` to call to heal")
	fs.StringVar(&f.healMethod, "heal-method", "POST", "HTTP hook: POST or DELETE")
	fs.StringVar(&f.healBody, "heal-body", "", "HTTP hook: body of the heal request")
	fs.StringArrayVar(&f.headers, "header", nil, `HTTP hook: a plain header "Name: value" (repeatable; no credentials)`)
	fs.StringArrayVar(&f.headerEnv, "header-env", nil, "HTTP hook: a secret header as Name=ENV_VAR, read from the environment (repeatable)")
	fs.StringVar(&f.healCmd, "heal-cmd", "", "commands: shell `COMMAND` that heals (run with sh -c)")
	fs.DurationVar(&f.timeout, "timeout", 0, "per request or command (default 5s platform, 10s hook, 30s commands)")
	fs.StringVar(&f.name, "name", "", "the fault's name (default <region>-<mode>, http-hook or commands)")
	f.platformOnly = []string{"token-env"}
	f.httpOnly = []string{"heal-method", "heal-body", "header", "header-env"}
	if !inject {
		return
	}
	fs.StringVar(&f.mode, "mode", "", "fault `MODE`: down, blackhole, errors, slow or replication-cut (platform); a label otherwise")
	fs.Float64Var(&f.ratio, "ratio", 0, "platform, mode errors: share of requests that fail (default 1)")
	fs.DurationVar(&f.latency, "latency", 0, "platform, mode slow: latency added to every request (e.g. 300ms)")
	fs.StringVar(&f.injectURL, "inject-url", "", "HTTP hook: `URL` to call to inject")
	fs.StringVar(&f.injectMethod, "inject-method", "POST", "HTTP hook: method of the inject request")
	fs.StringVar(&f.injectBody, "inject-body", "", "HTTP hook: body of the inject request")
	fs.StringVar(&f.injectCmd, "inject-cmd", "", "commands: shell `COMMAND` that injects (run with sh -c)")
	f.platformOnly = append(f.platformOnly, "ratio", "latency")
	f.httpOnly = append(f.httpOnly, "inject-method", "inject-body")
}

// errChooseInjector is the usage error for zero or several injectors.
var errChooseInjector = errors.New("choose one injector: --admin (embedded platform), --inject-url/--heal-url (HTTP hook) or --inject-cmd/--heal-cmd (commands)")

// spec turns the flags into a fault spec; inject says whether the inject
// half is needed too.
func (f *faultFlags) spec(cmd *cobra.Command, inject bool) (chaos.Spec, error) {
	kinds := map[string]bool{
		chaos.KindPlatform: f.admin != "",
		chaos.KindHTTP:     f.injectURL != "" || f.healURL != "",
		chaos.KindExec:     f.injectCmd != "" || f.healCmd != "",
	}
	var kind string
	for k, on := range kinds {
		if on && kind != "" {
			return chaos.Spec{}, errChooseInjector
		} else if on {
			kind = k
		}
	}
	if err := f.checkStray(cmd, kind); err != nil {
		return chaos.Spec{}, err
	}
	switch kind {
	case chaos.KindPlatform:
		return f.platformSpec(inject)
	case chaos.KindHTTP:
		return f.httpSpec(inject)
	case chaos.KindExec:
		return f.execSpec(inject)
	}
	return chaos.Spec{}, errChooseInjector
}

// checkStray refuses flags that belong to another injector than kind.
func (f *faultFlags) checkStray(cmd *cobra.Command, kind string) error {
	for _, g := range []struct {
		kind  string
		flags []string
	}{{chaos.KindPlatform, f.platformOnly}, {chaos.KindHTTP, f.httpOnly}} {
		if g.kind == kind {
			continue
		}
		for _, name := range g.flags {
			if cmd.Flags().Changed(name) {
				return fmt.Errorf("--%s is for the %s injector only", name, g.kind)
			}
		}
	}
	return nil
}

func (f *faultFlags) platformSpec(inject bool) (chaos.Spec, error) {
	if f.region == "" || (inject && f.mode == "") {
		return chaos.Spec{}, errors.New("the platform injector needs --region and, to inject, --mode")
	}
	if f.latency < 0 || f.ratio < 0 || f.ratio > 1 {
		return chaos.Spec{}, errors.New("--ratio must be in [0, 1] and --latency not negative")
	}
	p := &chaos.PlatformSpec{Admin: f.admin, Region: f.region, Mode: f.mode, Ratio: f.ratio, TokenEnv: chaosTokenVar(f.tokenEnv, f.getenv),
		LatencyMS: int(math.Ceil(float64(f.latency) / float64(time.Millisecond))), Timeout: results.Duration(f.timeout)}
	return chaos.Spec{Kind: chaos.KindPlatform, Name: f.nameOr(f.region + "-" + f.mode), Platform: p}, nil
}

// chaosAdminTokenEnv is the variable `slocheck platform serve` reads its
// admin token from; the chaos commands use it when --token-env is not given.
const chaosAdminTokenEnv = "SLOCHECK_ADMIN_TOKEN"

// chaosTokenVar returns the token variable to record: the flag's, else
// SLOCHECK_ADMIN_TOKEN when it is set, else none.
func chaosTokenVar(flag string, getenv func(string) string) string {
	if flag == "" && getenv != nil && getenv(chaosAdminTokenEnv) != "" {
		return chaosAdminTokenEnv
	}
	return flag
}

func (f *faultFlags) httpSpec(inject bool) (chaos.Spec, error) {
	if f.healURL == "" || (inject && f.injectURL == "") {
		return chaos.Spec{}, errors.New("the HTTP hook needs --heal-url and, to inject, --inject-url (no fault without a way back)")
	}
	h := &chaos.HTTPSpec{InjectURL: f.injectURL, InjectMethod: f.injectMethod, InjectBody: f.injectBody,
		HealURL: f.healURL, HealMethod: f.healMethod, HealBody: f.healBody, Timeout: results.Duration(f.timeout)}
	var err error
	if h.Headers, err = chaosPairs(f.headers, ":", "--header", `"Name: value"`); err != nil {
		return chaos.Spec{}, err
	}
	if h.HeaderEnv, err = chaosPairs(f.headerEnv, "=", "--header-env", "Name=ENV_VAR"); err != nil {
		return chaos.Spec{}, err
	}
	return chaos.Spec{Kind: chaos.KindHTTP, Name: f.nameOr("http-hook"), Target: f.region, Mode: f.mode, HTTP: h}, nil
}

func (f *faultFlags) execSpec(inject bool) (chaos.Spec, error) {
	if f.healCmd == "" || (inject && f.injectCmd == "") {
		return chaos.Spec{}, errors.New("commands need --heal-cmd and, to inject, --inject-cmd (no fault without a way back)")
	}
	e := &chaos.ExecSpec{InjectCmd: f.injectCmd, HealCmd: f.healCmd, Timeout: results.Duration(f.timeout)}
	return chaos.Spec{Kind: chaos.KindExec, Name: f.nameOr("commands"), Target: f.region, Mode: f.mode, Exec: e}, nil
}

func (f *faultFlags) nameOr(def string) string {
	if f.name != "" {
		return f.name
	}
	return strings.TrimSuffix(def, "-")
}

// chaosPairs splits each "key<sep>value" into a map.
func chaosPairs(list []string, sep, flag, want string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(list))
	for _, s := range list {
		k, v, ok := strings.Cut(s, sep)
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%s %q: want %s", flag, s, want)
		}
		m[k] = v
	}
	return m, nil
}

// chaosHealCommand is the `slocheck chaos heal` command line that undoes spec.
func chaosHealCommand(spec chaos.Spec) string {
	args := []string{"slocheck", "chaos", "heal"}
	switch {
	case spec.Platform != nil:
		args = append(args, "--admin", chaosShellQuote(spec.Platform.Admin), "--region", chaosShellQuote(spec.Platform.Region))
		if spec.Platform.TokenEnv != "" {
			args = append(args, "--token-env", spec.Platform.TokenEnv)
		}
	case spec.HTTP != nil:
		args = append(args, "--heal-url", chaosShellQuote(spec.HTTP.HealURL), "--heal-method", spec.HTTP.HealMethod)
		if spec.HTTP.HealBody != "" {
			args = append(args, "--heal-body", chaosShellQuote(spec.HTTP.HealBody))
		}
		for _, k := range slices.Sorted(maps.Keys(spec.HTTP.Headers)) {
			args = append(args, "--header", chaosShellQuote(k+": "+spec.HTTP.Headers[k]))
		}
		for _, k := range slices.Sorted(maps.Keys(spec.HTTP.HeaderEnv)) {
			args = append(args, "--header-env", chaosShellQuote(k+"="+spec.HTTP.HeaderEnv[k]))
		}
	case spec.Exec != nil:
		args = append(args, "--heal-cmd", chaosShellQuote(spec.Exec.HealCmd))
	}
	return strings.Join(args, " ")
}

// chaosShellQuote quotes s for a POSIX shell when it needs it.
func chaosShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
