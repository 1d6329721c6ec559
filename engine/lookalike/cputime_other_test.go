//go:build !unix

package lookalike

// cpuTime is unavailable here (js/wasm, windows): the cpu-ns/op metric reads 0.
func cpuTime() int64 { return 0 }
