package deploycheck

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goTool runs the go command in dir and returns its standard output.
func goTool(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// TestExtensionModuleStandsAlone: the xk6 extension can be built from a
// published slocheck, as `xk6 build --with
// github.com/slocheck/slocheck/extensions@vX` does: its go.mod carries no
// replace, and neither a package it builds into k6 nor its tests import one
// of slocheck's internal packages (only the public results and adminapi;
// its tests meet the platform as a program, `slocheck platform serve`). The
// dependencies are listed as extensions/build.sh builds locally: a copy of
// go.mod with the replace, through go's -modfile.
func TestExtensionModuleStandsAlone(t *testing.T) {
	root := repoRoot(t)
	ext := filepath.Join(root, "extensions")
	var mod struct {
		Replace []struct{ Old struct{ Path string } }
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(goTool(t, ext, "mod", "edit", "-json"), &mod); err != nil {
		t.Fatal(err)
	}
	if len(mod.Replace) > 0 {
		t.Errorf("extensions/go.mod replaces %v: a k6 user's `xk6 build --with` would not see it; local builds get slocheck from build.sh's -modfile", mod.Replace)
	}
	tmp := t.TempDir()
	for _, f := range [][2]string{{"go.mod", "local.mod"}, {"go.sum", "local.sum"}} {
		b, err := os.ReadFile(filepath.Join(ext, f[0]))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, f[1]), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	modfile := "-modfile=" + filepath.Join(tmp, "local.mod")
	goTool(t, ext, "mod", "edit", modfile, "-replace", "github.com/slocheck/slocheck="+root)
	deps := strings.Fields(string(goTool(t, ext, "list", modfile, "-deps", "-test", "./...")))
	var public []string
	for _, p := range deps {
		rest, ok := strings.CutPrefix(p, "github.com/slocheck/slocheck/")
		switch {
		case !ok || strings.HasPrefix(rest, "extensions"):
		case strings.HasPrefix(rest, "internal/") || strings.Contains(rest, "/internal/"):
			t.Errorf("the extension or its tests import %s: an internal package of slocheck", p)
		default:
			public = append(public, p)
		}
	}
	if len(public) == 0 {
		t.Fatalf("the extension imports none of slocheck's packages: %v", deps)
	}
	t.Logf("slocheck packages in the extension: %v", public)
}
