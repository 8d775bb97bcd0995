package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a scenario, located where it can be fixed: the
// file, line and column of the field, or the command-line flag that set it.
type Error struct {
	File   string // the scenario file
	Line   int    // 1-based; 0 when the problem is not at one place in the file
	Column int    // 1-based; 0 when unknown
	Flag   string // "--duration" when a flag set the field
	Path   string // the field, e.g. "faults[0].mode"; "" for the whole file
	Msg    string
}

// Error formats e as "file:line:column: path: message" (or "flag --name:
// path: message" for a field a flag set).
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Flag != "":
		fmt.Fprintf(&b, "flag %s", e.Flag)
	case e.Line > 0 && e.Column > 0:
		fmt.Fprintf(&b, "%s:%d:%d", e.File, e.Line, e.Column)
	case e.Line > 0:
		fmt.Fprintf(&b, "%s:%d", e.File, e.Line)
	default:
		b.WriteString(e.File)
	}
	if e.Path != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a scenario, in file order. It prints one
// problem per line.
type Errors []error

// Error prints every problem, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.As and errors.Is.
func (es Errors) Unwrap() []error { return es }

// sortErrors orders problems as they appear in the file (flag problems
// last), keeping the order in which they were found within one place.
func sortErrors(errs []error) {
	key := func(e error) (int, int) {
		se, ok := e.(*Error)
		if !ok || se.Flag != "" || se.Line == 0 {
			return 1 << 30, 0
		}
		return se.Line, se.Column
	}
	sort.SliceStable(errs, func(i, j int) bool {
		li, ci := key(errs[i])
		lj, cj := key(errs[j])
		return li < lj || li == lj && ci < cj
	})
}

// location is a place in a scenario file.
type location struct{ line, col int }

// source is where a scenario came from and where each of its fields was set:
// the key of a field in the file, or the flag that overrode it.
type source struct {
	file    string
	builtin bool
	pos     map[string]location // field path -> the key that sets it
	flags   map[string]string   // field path -> the flag that set it
}

// explicit reports whether the file or a flag set the field at path.
func (src *source) explicit(path string) bool {
	_, inFile := src.pos[path]
	_, byFlag := src.flags[path]
	return inFile || byFlag
}

// errorAt returns a problem with the field at path, located at the field or,
// when the file does not set it, at the nearest enclosing field that it sets.
func (src *source) errorAt(path, format string, args ...any) *Error {
	e := &Error{File: src.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	for p := path; ; p = parentPath(p) {
		if flag, ok := src.flags[p]; ok {
			e.Flag = flag
			return e
		}
		if loc, ok := src.pos[p]; ok {
			e.Line, e.Column = loc.line, loc.col
			return e
		}
		if p == "" {
			return e
		}
	}
}

// parentPath returns the path of the field that holds path's field:
// "faults[0].mode" -> "faults[0]" -> "faults" -> "".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// childPath returns the path of field name inside the field at path.
func childPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// indexPath returns the path of element i of the list at path.
func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
