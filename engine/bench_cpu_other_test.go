//go:build !linux

package engine_test

import "testing"

// cpuPerOp reports nothing where thread CPU time is not available.
func cpuPerOp(*testing.B) func() { return func() {} }
