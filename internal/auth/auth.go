// Package auth supplies the credentials a real deployment wants on every
// request: a header whose value comes from an environment variable (an API
// key for a WAF or an auth gateway), and a bearer token from azidentity's
// default credential chain (run in the companion slocheck-cloud, so that
// slocheck links no Azure SDK), refreshed in the background before it
// expires.
//
// Each is a Header whose Value is a cheap function the driver calls per
// request. Values are secrets: no String, error or JSON form of anything in
// this package holds one, so none reaches a log, a report or the results
// stream.
package auth

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Redacted is what the package prints in place of a secret.
const Redacted = "<redacted>"

// ErrMissingEnv says an environment variable a header needs is unset or empty.
var ErrMissingEnv = errors.New("environment variable not set")

// Header is one header a request carries. Value returns the value to send
// now; it is safe for concurrent use and does not allocate.
type Header struct {
	Name  string
	Value func() string

	fixed bool // Value returns the same value every time (Static)
}

// Fixed reports whether h's value never changes (a Static header), so a
// request carrying it may be serialised once rather than per send.
func (h Header) Fixed() bool { return h.fixed }

// String names the header and hides its value.
func (h Header) String() string { return h.Name + ": " + Redacted }

// GoString hides the value from %#v too.
func (h Header) GoString() string {
	return fmt.Sprintf("auth.Header{Name: %q, Value: %s}", h.Name, Redacted)
}

// MarshalText hides the value from encoders (JSON, YAML).
func (h Header) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// Static is a header with a fixed value.
func Static(name, value string) Header {
	return Header{Name: name, Value: func() string { return value }, fixed: true}
}

// EnvHeader is the header name whose value is the environment variable
// variable, read once now through getenv (os.Getenv, or a test's). An unset
// or empty variable is an ErrMissingEnv naming the header and the variable.
func EnvHeader(getenv func(string) string, name, variable string) (Header, error) {
	v := getenv(variable)
	if v == "" {
		return Header{}, fmt.Errorf("header %s: %w: %s", name, ErrMissingEnv, variable)
	}
	return Static(name, v), nil
}

// EnvHeaders resolves a scenario's header_env (header -> variable) into
// headers sorted by name. Every missing variable is reported, all at once.
func EnvHeaders(getenv func(string) string, headerEnv map[string]string) ([]Header, error) {
	var hs []Header
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(headerEnv)) {
		h, err := EnvHeader(getenv, name, strings.TrimSpace(headerEnv[name]))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		hs = append(hs, h)
	}
	return hs, errors.Join(errs...)
}
