//go:build unix

package runner

import (
	"os/exec"
	"syscall"
)

// detach puts cmd in a process group of its own: signals sent to slocheck's
// group (a Ctrl-C at the terminal) do not reach it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }
