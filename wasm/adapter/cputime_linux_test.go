package adapter_test

import "syscall"

// cpuTime is the process's user+system CPU time in nanoseconds. On a shared
// machine, CPU time per check is a steadier figure than wall time, and it
// counts the native GC's work on other threads, as node's
// process.cpuUsage() does for the WebAssembly run.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
