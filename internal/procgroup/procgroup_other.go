//go:build !unix

package procgroup

import "os/exec"

// Own is a no-op where process groups do not exist: cancellation
// kills the shell only.
func Own(*exec.Cmd) {}
