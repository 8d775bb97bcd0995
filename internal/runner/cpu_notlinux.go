//go:build !linux

package runner

// machineCPU is not measured here (Health.CPUMachine stays 0).
func machineCPU() (busy, total uint64, ok bool) { return 0, 0, false }
