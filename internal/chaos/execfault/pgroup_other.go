//go:build !unix

package execfault

import "os/exec"

// ownProcessGroup is a no-op where process groups do not exist: cancellation
// kills the shell only.
func ownProcessGroup(*exec.Cmd) {}
