// Package extensions is slocheck's xk6 extension: the JS module k6/x/slocheck
// and the output `slocheck`. This file only registers them with k6; import
// the package for that side effect (a k6 main, or `xk6 build --with`):
//
//	import _ "github.com/slocheck/slocheck/extensions"
package extensions

import (
	"go.k6.io/k6/js/modules"
	k6output "go.k6.io/k6/output"

	"github.com/slocheck/slocheck/extensions/module"
	"github.com/slocheck/slocheck/extensions/output"
)

func init() {
	modules.Register(module.ImportPath, module.New())
	k6output.RegisterExtension(output.Name, output.New)
}
