// Package scenarios carries slocheck's ready scenario files inside the
// binary, so that `slocheck run` and `slocheck validate NAME` work from any
// directory. internal/scenario reads them; this package only embeds them.
package scenarios

import "embed"

// FS holds the ready scenario files, *.yaml, and the k6 scripts, *.js, at its root.
//
//go:embed *.yaml *.js
var FS embed.FS
