// Package builtin links in every injector shipped with slocheck, so that
// chaos.Build and chaos.HealDir know their kinds. Import it for its side
// effect:
//
//	import _ "github.com/slocheck/slocheck/internal/chaos/builtin"
package builtin

import (
	// Each registers its kind with chaos.Register in its init.
	_ "github.com/slocheck/slocheck/internal/chaos/aks"
	_ "github.com/slocheck/slocheck/internal/chaos/chaosstudio"
	_ "github.com/slocheck/slocheck/internal/chaos/cosmosfault"
	_ "github.com/slocheck/slocheck/internal/chaos/execfault"
	_ "github.com/slocheck/slocheck/internal/chaos/frontdoor"
	_ "github.com/slocheck/slocheck/internal/chaos/httphook"
	_ "github.com/slocheck/slocheck/internal/chaos/platformfault"
)
