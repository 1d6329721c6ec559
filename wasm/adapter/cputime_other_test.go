//go:build !linux

package adapter_test

// cpuTime is not measured off Linux; the benchmark then reports wall time only.
func cpuTime() int64 { return 0 }
