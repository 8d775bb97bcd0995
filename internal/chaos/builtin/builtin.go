// Package builtin links in every injector slocheck runs, so that chaos.Build
// and chaos.HealDir know their kinds. Import it for its side effect:
//
//	import _ "github.com/slocheck/slocheck/internal/chaos/builtin"
//
// The kinds that need Kubernetes or Azure Resource Manager clients (aks,
// frontdoor, chaos-studio, cosmos) are proxies of the companion program
// slocheck-cloud (package cloudfault), which links those injectors itself.
package builtin

import (
	"github.com/slocheck/slocheck/internal/chaos/cloudfault"
	// Each registers its kind with chaos.Register in its init.
	_ "github.com/slocheck/slocheck/internal/chaos/execfault"
	_ "github.com/slocheck/slocheck/internal/chaos/httphook"
	_ "github.com/slocheck/slocheck/internal/chaos/platformfault"
)

func init() { cloudfault.Register() }
