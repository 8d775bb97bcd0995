// Package procgroup runs a child program in a process group of its own, so
// that a cancellation kills it with everything it started (fault commands,
// slocheck's companion).
package procgroup
