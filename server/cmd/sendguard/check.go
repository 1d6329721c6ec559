package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync/atomic"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/mimemsg"
)

func init() {
	verbs["check"] = verb{
		summary: "check .eml files, directories of them, or - (stdin); exit 0 allow, 1 warn, 2 block, 3 error",
		run:     runCheck,
	}
}

// Exit codes of check. When messages disagree the most severe wins, and any
// input that could not be checked (exitUsage) beats every verdict: a
// caller must not read "allow" when a file was never looked at.
const (
	exitAllow = 0
	exitWarn  = 1
	exitBlock = 2
)

const checkUsage = `usage: sendguard check [flags] FILE.eml|DIR|- ...

Checks each message (a directory: every regular file in it, recursively,
in sorted order; - reads one message from stdin) and prints one verdict per
message. Exit status: 0 all allowed, 1 a warning, 2 a block, 3 bad usage or
a file that could not be checked (the other files are still checked).

flags:
`

// checkOptions are check's flags.
type checkOptions struct {
	json       bool
	policy     string
	known      string
	directory  string
	verbose    bool
	cpuprofile string
	workers    int
}

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o checkOptions
	fset := flag.NewFlagSet("check", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.BoolVar(&o.json, "json", false, "print JSON Lines: one verdict per message with a \"source\" field")
	fset.StringVar(&o.policy, "policy", "", "policy `FILE` (JSON) instead of the built-in default")
	fset.StringVar(&o.known, "known", "", "`FILE` of addresses the sender has emailed, one per line (# comments); without it, history rules stay silent")
	fset.StringVar(&o.directory, "directory", "", "`FILE` of the organisation's own addresses, one per line")
	fset.BoolVar(&o.verbose, "verbose", false, "also print what the MIME parser repaired (to stderr)")
	fset.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile to `FILE`")
	fset.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "messages checked in parallel")
	fset.Usage = func() {
		fmt.Fprint(stderr, checkUsage)
		fset.PrintDefaults()
	}
	inputs, err := parseInterspersed(fset, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "sendguard check: no input: give .eml files, directories, or - for stdin")
		fset.Usage()
		return exitUsage
	}
	if o.workers < 1 {
		o.workers = 1
	}

	eng, ok := loadEngine(o.policy, stderr)
	if !ok {
		return exitUsage
	}
	var ctx engine.Context
	if o.known != "" {
		if ctx.KnownRecipients, err = readAddressFile(o.known); err != nil {
			fmt.Fprintf(stderr, "sendguard check: --known: %v\n", err)
			return exitUsage
		}
	}
	if o.directory != "" {
		if ctx.Directory, err = readAddressFile(o.directory); err != nil {
			fmt.Fprintf(stderr, "sendguard check: --directory: %v\n", err)
			return exitUsage
		}
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "sendguard check: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "sendguard check: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer pprof.StopCPUProfile()
	}

	tuneGC()
	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	// One sender, one context: compile it (the lookalike index above all)
	// once, not per message.
	c := &checker{eng: eng, ctx: eng.Prepare(ctx), stdin: stdin, opts: o, out: out, errw: stderr}
	return c.run(inputs)
}

// tuneGC trades memory for time in a batch run. Each message's garbage is
// small and short-lived, and at the default GOGC=100 the collector's
// workers ran through most of a check over Enron, competing with the two
// checkers for the two cores: wall time halved at GOGC=400 (bench-cli).
// The soft memory limit keeps one huge message from growing the heap
// fourfold. An explicit GOGC or GOMEMLIMIT in the environment wins.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}

// parseInterspersed lets flags follow the inputs (check a.eml --json), as
// people type them; the flag package alone stops at the first non-flag.
// "--" ends the flags.
func parseInterspersed(fset *flag.FlagSet, args []string) ([]string, error) {
	var inputs, rest []string
	for i, a := range args {
		if a == "--" {
			args, rest = args[:i], args[i+1:]
			break
		}
	}
	for {
		if err := fset.Parse(args); err != nil {
			return nil, err
		}
		args = fset.Args()
		if len(args) == 0 {
			return append(inputs, rest...), nil
		}
		inputs = append(inputs, args[0])
		args = args[1:]
	}
}

// loadEngine compiles the policy from path, or the built-in default when
// path is empty. Errors name the file and each invalid field.
func loadEngine(path string, stderr io.Writer) (*engine.Engine, bool) {
	p := engine.DefaultPolicy()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "sendguard: --policy %s: %v\n", path, pathErr(err))
			return nil, false
		}
		if p, err = engine.ParsePolicy(data); err != nil {
			printPolicyError(stderr, path, err)
			return nil, false
		}
	}
	eng, err := engine.New(p)
	if err != nil {
		printPolicyError(stderr, path, err)
		return nil, false
	}
	return eng, true
}

// printPolicyError prints "FILE: field: message" for each invalid field.
func printPolicyError(w io.Writer, path string, err error) {
	if path == "" {
		path = "built-in policy"
	}
	var pe *engine.PolicyError
	if errors.As(err, &pe) && len(pe.Errors) > 0 {
		for _, fe := range pe.Errors {
			fmt.Fprintf(w, "%s: %s: %s\n", path, fe.Field, fe.Message)
		}
		return
	}
	fmt.Fprintf(w, "%s: %v\n", path, err)
}

// readAddressFile reads one address per line. Blank lines and lines
// starting with # are skipped; so is anything after " #". The result is
// never nil, so an empty file means "has emailed nobody".
func readAddressFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, pathErr(err))
	}
	defer f.Close()
	addrs := []string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		addrs = append(addrs, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return addrs, nil
}

// pathErr drops the path an *fs.PathError repeats, since callers name the
// file themselves.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// job is one message to check.
type job struct {
	// source is the path as printed, or "-" for stdin.
	source string
	// err is set when the input could not even be listed (a directory
	// walk error); the job then only reports it.
	err error
}

// result is a job's outcome: a verdict or an error, never both.
type result struct {
	verdict  engine.Verdict
	warnings []mimemsg.Warning
	err      error
}

type checker struct {
	eng   *engine.Engine
	ctx   *engine.Prepared
	stdin io.Reader
	opts  checkOptions
	out   *bufio.Writer
	errw  io.Writer
}

// chunk is how many consecutive messages a worker claims at a time. The
// printer waits for whole chunks, so a run over a directory costs a few
// dozen goroutine hand-offs instead of several per message: on a busy
// machine every hand-off is a wait for a CPU.
const chunk = 32

// run checks every input concurrently and prints the results in input
// order, so the output is deterministic however the work is scheduled.
func (c *checker) run(inputs []string) int {
	jobs := expand(inputs)
	results := make([]result, len(jobs))
	nchunks := (len(jobs) + chunk - 1) / chunk
	done := make([]chan struct{}, nchunks)
	for i := range done {
		done[i] = make(chan struct{})
	}
	var next atomic.Int64
	for range min(c.opts.workers, nchunks) {
		go func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= nchunks {
					return
				}
				for i := k * chunk; i < min((k+1)*chunk, len(jobs)); i++ {
					results[i] = c.checkOne(jobs[i])
				}
				close(done[k])
			}
		}()
	}
	code := exitAllow
	for k := range nchunks {
		<-done[k]
		for i := k * chunk; i < min((k+1)*chunk, len(jobs)); i++ {
			code = worse(code, c.print(jobs[i].source, results[i]))
			results[i] = result{}
		}
		// Show progress on a long run without a write per message.
		c.out.Flush()
	}
	return code
}

// worse combines exit codes: 3 (not checked) beats 2 beats 1 beats 0.
func worse(a, b int) int {
	return max(a, b)
}

// expand turns the command-line inputs into jobs: a directory becomes every
// regular file under it in lexical order (filepath.WalkDir's order).
func expand(inputs []string) []job {
	var jobs []job
	for _, in := range inputs {
		if in == "-" {
			jobs = append(jobs, job{source: "-"})
			continue
		}
		fi, err := os.Stat(in)
		if err != nil || !fi.IsDir() {
			// Errors surface when the job runs, naming the file.
			jobs = append(jobs, job{source: in})
			continue
		}
		_ = filepath.WalkDir(in, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				jobs = append(jobs, job{source: path, err: pathErr(err)})
				return nil
			}
			if d.Type().IsRegular() {
				jobs = append(jobs, job{source: path})
			}
			return nil
		})
	}
	return jobs
}

func (c *checker) checkOne(j job) result {
	if j.err != nil {
		return result{err: j.err}
	}
	var (
		p   mimemsg.Parsed
		err error
	)
	if j.source == "-" {
		p, err = mimemsg.ParseWithOptions(c.stdin, mimemsg.Options{})
	} else {
		p, err = parseFile(j.source)
	}
	if err != nil {
		return result{err: err}
	}
	v := c.eng.CheckPrepared(p.Message, c.ctx)
	return result{verdict: v, warnings: p.Warnings}
}

// parseFile refuses an oversized file before reading it.
func parseFile(path string) (mimemsg.Parsed, error) {
	f, err := os.Open(path)
	if err != nil {
		return mimemsg.Parsed{}, pathErr(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return mimemsg.Parsed{}, pathErr(err)
	}
	if !fi.Mode().IsRegular() && !fi.Mode().IsDir() {
		// A FIFO or device is read like stdin, through the size cap.
		return mimemsg.ParseWithOptions(f, mimemsg.Options{})
	}
	if fi.IsDir() {
		return mimemsg.Parsed{}, errors.New("is a directory")
	}
	if fi.Size() > mimemsg.DefaultMaxSize {
		return mimemsg.Parsed{}, fmt.Errorf("%w: %d bytes, over the %d MB limit", mimemsg.ErrTooLarge, fi.Size(), mimemsg.DefaultMaxSize>>20)
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return mimemsg.Parsed{}, pathErr(err)
	}
	return mimemsg.ParseBytesWithOptions(b, mimemsg.Options{})
}

// jsonLine is one line of --json output: the source, then the verdict's
// own fields, then what the parser repaired.
type jsonLine struct {
	Source string `json:"source"`
	engine.Verdict
	Warnings []mimemsg.Warning `json:"warnings,omitempty"`
}

// jsonError is the --json line for an input that could not be checked.
type jsonError struct {
	Source string `json:"source"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// print writes one result and returns its exit code. Nothing printed here
// comes from the message except recipients' addresses (the sender's own
// draft) and the engine's masked evidence.
func (c *checker) print(source string, r result) int {
	if r.err != nil {
		fmt.Fprintf(c.errw, "sendguard check: %s: %v\n", source, r.err)
		if c.opts.json {
			var e jsonError
			e.Source = source
			e.Error.Code = errorCode(r.err)
			e.Error.Message = r.err.Error()
			c.writeJSON(e)
		}
		return exitUsage
	}
	if c.opts.verbose {
		for _, w := range r.warnings {
			fmt.Fprintf(c.errw, "sendguard check: %s: repaired: %s\n", source, w)
		}
	}
	if c.opts.json {
		c.writeJSON(jsonLine{Source: source, Verdict: r.verdict, Warnings: r.warnings})
	} else {
		writeHuman(c.out, source, r.verdict)
	}
	switch r.verdict.Action {
	case engine.ActionBlock:
		return exitBlock
	case engine.ActionWarn:
		return exitWarn
	}
	return exitAllow
}

// errorCode maps an input error to the API's codes (engine/apierr), so a
// --json consumer reads the same codes as the HTTP API gives.
func errorCode(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return apierr.NotFound
	case errors.Is(err, mimemsg.ErrTooLarge):
		return apierr.TooLarge
	}
	return apierr.Invalid
}

func (c *checker) writeJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":{"code":"internal","message":"cannot encode result"}}`)
	}
	c.out.Write(b)
	c.out.WriteByte('\n')
}

// maxListed caps how many recipients a human line names; the JSON has all.
const maxListed = 4

// writeHuman prints one line per message and, unless it is allowed, one
// indented block per finding:
//
//	BLOCK  inbox/a.eml  amber  insecure-recipient, new-recipient
//	  insecure-recipient (block): Patient data to an address that is not secure
//	    evidence: nhs-number in body *** *** 5919
//	    fix: add-subject-tag "[secure]"
func writeHuman(w io.Writer, source string, v engine.Verdict) {
	rules := make([]string, 0, len(v.Findings))
	for _, f := range v.Findings {
		rules = append(rules, f.Rule)
	}
	line := fmt.Sprintf("%-5s  %s  %s", strings.ToUpper(v.Action), source, v.Classification)
	if len(rules) > 0 {
		line += "  " + strings.Join(rules, ", ")
	}
	fmt.Fprintln(w, line)
	if v.Action == engine.ActionAllow && len(v.Findings) == 0 {
		return
	}
	for _, f := range v.Findings {
		fmt.Fprintf(w, "  %s (%s): %s\n", f.Rule, f.Severity, f.Summary)
		if len(f.Recipients) > 0 {
			fmt.Fprintf(w, "    recipients: %s\n", listed(f.Recipients))
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "    evidence: %s in %s %s\n", e.Kind, e.Field, e.Masked)
		}
		for _, x := range f.Fixes {
			fmt.Fprintf(w, "    fix: %s\n", describeFix(x))
		}
	}
}

func describeFix(x engine.Fix) string {
	s := x.Kind
	switch x.Kind {
	case engine.FixReplaceRecipient:
		if len(x.Recipients) > 0 && x.Value != "" {
			return fmt.Sprintf("%s %s -> %s", s, listed(x.Recipients), x.Value)
		}
	case engine.FixAddSubjectTag:
		if x.Value != "" {
			return fmt.Sprintf("%s %q", s, x.Value)
		}
	}
	if len(x.Recipients) > 0 {
		s += " " + listed(x.Recipients)
	}
	if x.Value != "" {
		s += " " + x.Value
	}
	return s
}

// listed names the first few addresses and counts the rest.
func listed(addrs []string) string {
	if len(addrs) <= maxListed {
		return strings.Join(addrs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(addrs[:maxListed], ", "), len(addrs)-maxListed)
}
