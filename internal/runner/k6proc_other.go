//go:build !unix

package runner

import "os/exec"

// detach does nothing where process groups work differently.
func detach(*exec.Cmd) {}
