// Command k6 is k6 with slocheck's extension built in: what `make k6` puts
// in bin/k6. It is k6's own main plus one import, the same binary that
// `xk6 build --with github.com/slocheck/slocheck/extensions` produces.
package main

import (
	"go.k6.io/k6/cmd"

	_ "github.com/slocheck/slocheck/extensions" // k6/x/slocheck and --out slocheck
)

func main() { cmd.Execute() }
