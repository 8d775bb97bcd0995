package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slocheck/slocheck/internal/har"
)

func init() { commands = append(commands, newImportCmd) }

func newImportCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Turn a recording into a scenario",
		Long: `import converts a recording of a shop's traffic into a scenario file,
written to standard output, for the Go driver to replay.`,
		Example: `  slocheck import har checkout.har > scenarios/my-shop.yaml`,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("import what? give a format and a file"), "slocheck import har FILE")
			}
			return usageErr(fmt.Errorf("unknown recording format %q (want har)", args[0]), "slocheck import har FILE")
		},
	}
	cmd.AddCommand(newImportHARCmd(stdio))
	return cmd
}

func newImportHARCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "har FILE",
		Short: "Turn a browser's HAR recording into a scenario",
		Long: `har reads a HAR 1.2 file (a browser's network panel: "Save all as HAR")
and writes a scenario to standard output: one step per request the page made
(method, path or absolute URL, Content-Type, Accept and X-* headers, body), one
journey that sends them in the recorded order with the median recorded gap as
its think time, and the recording's first origin as target.url.

Static assets (images, stylesheets, fonts, scripts, media, the favicon), CORS
preflights, data: URLs and non-HTTP requests are dropped. Cookie and
Authorization values are never copied: each journey keeps its own cookie jar,
and credentials come from header_env (an environment variable per header); the
scenario's comments name each header left out.

The load starts gentle (10 req/s for 1m): check the scenario with
slocheck validate, run it, then raise load.rate and load.duration.
docs/scenarios.md describes every field.`,
		Example: `  # Record in the browser (DevTools > Network > Save all as HAR), then
  slocheck import har checkout.har > scenarios/my-shop.yaml
  slocheck validate scenarios/my-shop.yaml
  slocheck run --scenario scenarios/my-shop.yaml --duration 30s`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return importHAR(stdio, args[0]) },
	}
}

func importHAR(stdio IO, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return usageErr(fmt.Errorf("%s: no such file", file), "")
		}
		return usageErr(fmt.Errorf("read %s: %w", file, err), "")
	}
	l, err := har.Parse(data)
	if err != nil {
		return usageErr(fmt.Errorf("%s: %w", file, err), "give a HAR 1.2 file: in the browser, DevTools > Network > Save all as HAR")
	}
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	s, err := har.Convert(l, name)
	if err != nil {
		return usageErr(fmt.Errorf("%s: %w", file, err), "record the page with its API calls, not only its assets")
	}
	out, err := s.YAML(filepath.Base(file))
	if err != nil {
		return err
	}
	_, err = stdio.Out.Write(out)
	return err
}
