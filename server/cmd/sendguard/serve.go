package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sendguard/sendguard/server/app"
)

func init() {
	verbs["serve"] = verb{
		summary: "run the service: check API, policy, events, add-in files (--dev for a local first run)",
		run:     runServe,
	}
}

// plugins are the components serve starts besides the core. Another verb
// file adds its component from its own init, without editing this one:
//
//	func init() { plugins = append(plugins, audit.Plugin()) }
var plugins []app.Plugin

// runServe runs until SIGINT or SIGTERM, then shuts down gracefully.
func runServe(args []string, _ io.Reader, _, stderr io.Writer) int {
	m := app.NewMain()
	m.Stderr = stderr
	m.Plugins = plugins
	if err := m.ParseFlags(args, os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "sendguard serve: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "sendguard serve: %v\n", err)
		return 1
	}
	code := 0
	select {
	case <-ctx.Done():
	case err := <-m.Failed():
		fmt.Fprintf(stderr, "sendguard serve: %v\n", err)
		code = 1
	}
	stop()
	if err := m.Close(); err != nil {
		fmt.Fprintf(stderr, "sendguard serve: %v\n", err)
		code = 1
	}
	return code
}
