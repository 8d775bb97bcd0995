//go:build tools

// Package tools pins xk6 for `extensions/build.sh xk6`: go run resolves
// go.k6.io/xk6/cmd/xk6 at the version this module requires, so the build
// needs no `go install` (which the filtered module proxy refuses).
package tools

import _ "go.k6.io/xk6/cmd/xk6"
