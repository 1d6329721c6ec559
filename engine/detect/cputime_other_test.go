//go:build !linux

package detect_test

import "time"

// processCPU is unknown here; benchmarks then report wall time only.
func processCPU() time.Duration { return 0 }
