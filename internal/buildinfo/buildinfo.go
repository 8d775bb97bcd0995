// Package buildinfo says which build a binary is, so that slocheck and its
// companion slocheck-cloud can tell whether they were built together.
package buildinfo

import "runtime/debug"

// Version is set at build time with
// -ldflags "-X github.com/slocheck/slocheck/internal/buildinfo.Version=v1.2.3".
var Version = "dev"

// String is the version of this binary: Version, followed for a "dev" build
// by the VCS revision when the build recorded one ("dev+0123456789ab").
func String() string {
	v := Version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += "+" + s.Value[:12]
			}
		}
	}
	return v
}

// Released reports whether this binary carries a release version (set at
// build time), rather than a development build's.
func Released() bool { return Version != "dev" }
