package scenario

import (
	"regexp"
	"sync"
)

// lazy compiles expr on its first use, as the other packages' name patterns
// are (sync.OnceValue). The patterns of Azure and Kubernetes names have
// counted repetitions ({0,251}) that compile into programs of hundreds of
// kilobytes: compiled at start-up they cost every run, most of which never
// validates such a name.
func lazy(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
