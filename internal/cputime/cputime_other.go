//go:build !unix

package cputime

import "time"

// Process is unavailable here (js/wasm, windows): it reads 0 and Report
// adds nothing.
func Process() time.Duration { return 0 }

// Thread is unavailable here too.
func Thread() time.Duration { return 0 }
