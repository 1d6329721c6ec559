//go:build linux

package detect_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the test process has used. Benchmarks report
// it beside wall time because CI and development machines are shared:
// wall time measures the neighbours too.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
