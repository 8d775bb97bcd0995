// Command slocheck verifies that a multi-region platform meets its SLOs while a
// region fails. All of its logic lives in internal/cli; main only runs it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/slocheck/slocheck/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
