// Command slocheck-cloud is slocheck's companion: it runs the injectors that
// need Kubernetes or Azure Resource Manager clients, so that slocheck itself
// links neither. All of its logic lives in internal/cloudcmd.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/slocheck/slocheck/internal/cloudcmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cloudcmd.Run(ctx, os.Args[1:], cloudcmd.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
