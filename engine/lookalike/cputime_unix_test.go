//go:build unix

package lookalike

import "syscall"

// cpuTime is the process's user+system CPU time in nanoseconds. The
// benchmarks report it next to wall time because the build machine is
// shared: wall time per op there measures the neighbours as much as us.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
