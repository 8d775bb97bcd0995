//go:build unix

package procgroup

import (
	"os/exec"
	"syscall"
)

// Own starts cmd in a process group of its own and makes
// cancellation kill the whole group: the shell and whatever it started. A
// group of its own also keeps a terminal's Ctrl-C away from a heal command
// that runs because of that Ctrl-C.
func Own(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
