// Package companion finds slocheck's companion program, slocheck-cloud (the
// parts of slocheck that need large client libraries: the Kubernetes and
// Azure Resource Manager injectors, the OTLP exporter), and checks that it
// comes from the same build as the running slocheck.
package companion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/buildinfo"
)

// Program is the companion's executable name.
const Program = "slocheck-cloud"

// EnvVar names the environment variable that may hold the companion's path.
const EnvVar = "SLOCHECK_CLOUD"

// Hint is where a person learns to install the companion (an error's "Try:").
const Hint = "install " + Program + " beside slocheck, from the same build: docs/azure-injectors.md, \"Installing the companion\""

// ErrNoCompanion is returned when no slocheck-cloud is found.
var ErrNoCompanion = errors.New(Program + " not found")

// ErrOtherBuild is returned when the slocheck-cloud found comes from another
// build than this slocheck.
var ErrOtherBuild = errors.New(Program + " is from another build")

// versionTimeout bounds `slocheck-cloud version`: a start of a program.
const versionTimeout = 30 * time.Second

// Locate returns the path of the companion to use: $SLOCHECK_CLOUD (read
// through getenv) when set, else slocheck-cloud beside this executable, else
// slocheck-cloud in PATH. It checks the companion is from this build. The
// error names what needs it ("the aks injector", "--otlp-endpoint") and how
// to install it.
func Locate(what string, getenv func(string) string) (string, error) {
	path, err := find(getenv)
	if err == nil {
		err = sameBuild(path)
	}
	if err != nil {
		return "", fmt.Errorf("%s runs in slocheck's companion program: %w; %s", what, err, installHint())
	}
	return path, nil
}

// find looks for the companion where Locate says.
func find(getenv func(string) string) (string, error) {
	if p := getenv(EnvVar); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("%w: $%s=%s: %w", ErrNoCompanion, EnvVar, p, err)
		}
		return p, nil
	}
	var looked []string
	if self, err := os.Executable(); err == nil {
		dirs := []string{filepath.Dir(self)}
		if real, err := filepath.EvalSymlinks(self); err == nil && filepath.Dir(real) != dirs[0] {
			dirs = append(dirs, filepath.Dir(real))
		}
		for _, d := range dirs {
			p := filepath.Join(d, Program)
			if executable(p) == nil {
				return p, nil
			}
			looked = append(looked, "beside "+filepath.Join(d, filepath.Base(self)))
		}
	}
	if p, err := exec.LookPath(Program); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w ($%s is not set; none %s, none in PATH)", ErrNoCompanion, EnvVar, strings.Join(looked, " or "))
}

// executable returns nil when path is a regular file someone may execute.
func executable(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case fi.IsDir() || fi.Mode()&0o111 == 0:
		return errors.New("not an executable file")
	}
	return nil
}

// installHint says how to get a companion of this build.
func installHint() string {
	v := buildinfo.Version
	switch {
	case strings.HasPrefix(v, "v"): // a module version: go install can fetch it
		return fmt.Sprintf("install it beside slocheck with `go install github.com/slocheck/slocheck/cmd/%s@%s`, "+
			"use the slocheck container image (it holds both), or set $%s to its path", Program, v, EnvVar)
	case buildinfo.Released():
		return fmt.Sprintf("install the %s of build %s beside slocheck (the build's bin artifact and container image hold both), "+
			"or set $%s to its path", Program, v, EnvVar)
	}
	return fmt.Sprintf("build it from the same checkout as slocheck (`make build` builds both into bin/, or "+
		"`go build -o DIR/%s ./cmd/%s` with DIR slocheck's directory), use the slocheck container image, or set $%s to its path", Program, Program, EnvVar)
}

var (
	checkedMu sync.Mutex
	checked   = map[string]bool{} // companions found to be of this build
)

// sameBuild runs `slocheck-cloud version` (once per path and process) and
// compares its version with this binary's.
func sameBuild(path string) error {
	checkedMu.Lock()
	defer checkedMu.Unlock()
	if checked[path] {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "version")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s version: %w: %s", path, err, strings.TrimSpace(errb.String()))
	}
	// "slocheck-cloud VERSION GOOS/GOARCH GOVERSION"
	f := strings.Fields(out.String())
	if len(f) < 2 || f[0] != Program {
		return fmt.Errorf("%s version answered %q: not %s", path, strings.TrimSpace(out.String()), Program)
	}
	if want := buildinfo.String(); f[1] != want {
		return fmt.Errorf("%w: %s is version %s, this slocheck is %s", ErrOtherBuild, path, f[1], want)
	}
	checked[path] = true
	return nil
}

// LastLine is the last non-empty line of a companion's stderr: its message.
func LastLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	return lines[len(lines)-1]
}
