package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/sendguard/sendguard/engine"
)

func init() {
	verbs["policy"] = verb{
		summary: "policy validate FILE | policy default: check a policy document, or print the built-in one",
		run:     runPolicy,
	}
}

const policyUsage = `usage:
  sendguard policy validate FILE   check a policy (JSON); prints "ok: ID version V" or each
                                   invalid field as "FILE: field: message" (exit 3)
  sendguard policy default         print the built-in default policy
`

func runPolicy(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, policyUsage)
		return exitUsage
	}
	switch args[0] {
	case "validate":
		if len(args) != 2 {
			fmt.Fprint(stderr, policyUsage)
			return exitUsage
		}
		return validatePolicy(args[1], stdout, stderr)
	case "default":
		if len(args) != 1 {
			fmt.Fprint(stderr, policyUsage)
			return exitUsage
		}
		b, err := json.MarshalIndent(engine.DefaultPolicy(), "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "sendguard policy default: %v\n", err)
			return exitUsage
		}
		stdout.Write(append(b, '\n'))
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, policyUsage)
		return 0
	}
	fmt.Fprintf(stderr, "sendguard policy: unknown subcommand %q\n", args[0])
	fmt.Fprint(stderr, policyUsage)
	return exitUsage
}

func validatePolicy(path string, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", path, pathErr(err))
		return exitUsage
	}
	p, err := engine.ParsePolicy(data)
	if err != nil {
		printPolicyError(stderr, path, err)
		return exitUsage
	}
	eng, err := engine.New(p)
	if err != nil {
		printPolicyError(stderr, path, err)
		return exitUsage
	}
	// The engine fills in a version derived from the content when the
	// document has none: print the one verdicts will carry.
	eff := eng.Policy()
	fmt.Fprintf(stdout, "ok: %s version %s\n", eff.ID, eff.Version)
	return 0
}
