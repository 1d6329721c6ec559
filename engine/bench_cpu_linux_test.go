//go:build linux

package engine_test

import (
	"runtime"
	"syscall"
	"testing"
)

// cpuPerOp reports the benchmark goroutine's own CPU time per operation as
// cpu-ns/op next to ns/op. On a shared CI machine wall time grows with
// everyone else's load; thread CPU time barely does, so it is the figure to
// hold against the targets when ns/op is noisy. Call it just before the
// loop: defer cpuPerOp(b)().
func cpuPerOp(b *testing.B) func() {
	runtime.LockOSThread()
	start := threadCPU()
	return func() {
		b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
		runtime.UnlockOSThread()
	}
}

func threadCPU() int64 {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if syscall.Getrusage(rusageThread, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
