// Command sendguard is Sendguard's one binary: the service, the CLI checker,
// the auditor and the manifest renderer. Each verb lives in its own file and
// registers itself in verbs, so main stays thin.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// verb is one subcommand. It returns the process exit code.
type verb struct {
	// summary is one line for the usage text.
	summary string
	// run gets the arguments after the verb.
	run func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// verbs is filled by init functions in the verb files.
var verbs = map[string]verb{}

// exitUsage is the exit code for bad input or usage (check uses 0, 1, 2 for
// allow, warn, block).
const exitUsage = 3

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sendguard: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return v.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sendguard <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, verbs[n].summary)
	}
}
