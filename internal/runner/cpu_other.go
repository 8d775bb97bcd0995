//go:build !unix

package runner

import "time"

// processCPU is not measured here.
func processCPU() time.Duration { return 0 }
