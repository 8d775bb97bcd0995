package scenario

import (
	"regexp"
	"sync"
)

// lazyRegexp is a regular expression compiled on its first use. The
// patterns of Azure and Kubernetes names have counted repetitions
// ({0,251}) that compile into programs of hundreds of kilobytes: compiled at
// start-up they cost every run, most of which never validates such a name.
type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

func lazy(expr string) *lazyRegexp { return &lazyRegexp{expr: expr} }

// MatchString reports whether s matches the pattern.
func (l *lazyRegexp) MatchString(s string) bool {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re.MatchString(s)
}
