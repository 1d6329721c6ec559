//go:build unix

package cputime

import (
	"syscall"
	"time"
)

// Process is the user plus system CPU time of the whole process, garbage
// collector threads included.
func Process() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// Thread is the CPU time of the calling OS thread (Linux only; elsewhere
// the process's). Lock the goroutine to its thread around the measurement.
func Thread() time.Duration {
	if d := rusage(rusageThread); d > 0 {
		return d
	}
	return Process()
}

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
