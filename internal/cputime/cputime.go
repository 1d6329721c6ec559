// Package cputime measures CPU time for benchmarks. They report cpu-ns/op
// beside ns/op because development and CI machines are shared: wall time
// per operation measures the neighbours' load as much as ours, while CPU
// time barely moves with it. Standard library only; used from tests.
package cputime

import (
	"testing"
	"time"
)

// Report adds the process CPU time used since start, per operation
// (cpu-ns/op), to a benchmark's results, and the throughput it implies
// (cpu-MB/s) when bytes > 0. It reports nothing where CPU time is not
// available.
func Report(b *testing.B, start time.Duration, bytes int64) {
	used := Process() - start
	if used <= 0 || b.N == 0 {
		return
	}
	perOp := float64(used.Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	if bytes > 0 {
		b.ReportMetric(float64(bytes)/perOp*1e3, "cpu-MB/s")
	}
}
