package runner

import "time"

// cpuMeter measures CPU between two samples: the process's CPU time per
// second of wall time (1.0 = one core busy) and the share of the whole
// machine's CPU that was busy (0–1; 0 where the platform cannot tell).
type cpuMeter struct {
	wall        time.Time
	proc        time.Duration
	busy, total uint64
	machineOK   bool
}

func (m *cpuMeter) reset() {
	m.wall, m.proc = time.Now(), processCPU()
	m.busy, m.total, m.machineOK = machineCPU()
}

// sample returns the figures since the last sample (or reset).
func (m *cpuMeter) sample(now time.Time) (process, machine float64) {
	proc := processCPU()
	busy, total, ok := machineCPU()
	if wall := now.Sub(m.wall); wall > 0 {
		process = float64(proc-m.proc) / float64(wall)
	}
	if ok && m.machineOK && total > m.total {
		machine = float64(busy-m.busy) / float64(total-m.total)
	}
	m.wall, m.proc, m.busy, m.total, m.machineOK = now, proc, busy, total, ok
	return max(process, 0), min(max(machine, 0), 1)
}
