package engine_test

import (
	"runtime"
	"testing"

	"github.com/sendguard/sendguard/internal/cputime"
)

// cpuPerOp reports the benchmark goroutine's own thread CPU time per
// operation as cpu-ns/op next to ns/op: on a shared machine it is the
// figure to hold against the targets when ns/op is noisy. Call it just
// before the loop: defer cpuPerOp(b)().
func cpuPerOp(b *testing.B) func() {
	runtime.LockOSThread()
	start := cputime.Thread()
	return func() {
		if used := cputime.Thread() - start; used > 0 && b.N > 0 {
			b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
		runtime.UnlockOSThread()
	}
}
