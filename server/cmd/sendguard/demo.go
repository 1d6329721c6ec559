package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/sendguard/sendguard/server/app"
	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/domain"
	"github.com/sendguard/sendguard/server/graph"
	"github.com/sendguard/sendguard/server/graphtest"
)

func init() {
	verbs["demo"] = verb{
		summary: "see a Sent Items audit without a tenant: a Graph test server, an audit, findings and breaches",
		run:     runDemo,
	}
}

// demoDB is the demo's database; the demo recreates it on every run, since
// its delta links point at a test server that lives only as long as the demo.
const demoDB = "sendguard-demo.db"

const demoUsage = `usage: sendguard demo [--corpus DIR] [--serve ADDR]

Starts a Graph-compatible test server holding synthetic clinical mail for five
mailboxes (plus the .eml files under --corpus, each in its sender's Sent Items),
audits it through the real Graph client into ` + demoDB + ` (recreated each run),
and prints the findings and the breach register. With --serve it then runs
the service in --dev mode on ADDR, so GET /api/v1/findings and
/api/v1/breaches show the same records.

flags:
`

func runDemo(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, demoUsage); fs.PrintDefaults() }
	corpus := fs.String("corpus", "", "also serve the .eml files under this directory (e.g. ../shared/corpora/mail)")
	serve := fs.String("serve", "", "after the audit, serve the API in --dev mode on this address (e.g. 127.0.0.1:8080)")
	mailboxes := fs.Int("mailboxes", 5, "synthetic mailboxes")
	per := fs.Int("messages", 30, "synthetic messages per mailbox")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if fs.NArg() > 0 || *mailboxes < 1 || *per < 1 || *mailboxes > 1000 || *per > 10000 {
		fs.Usage()
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	g := graphtest.New(graphtest.WithToken("demo"))
	if err := g.Start("127.0.0.1:0"); err != nil {
		fmt.Fprintf(stderr, "sendguard demo: %v\n", err)
		return 1
	}
	defer g.Close()
	g.LoadClinical(graphtest.Clinical("demo-trust.nhs.net", *mailboxes, *per, time.Now()))
	if *corpus != "" {
		msgs, skipped, err := graphtest.ReadDir(*corpus)
		if err != nil {
			fmt.Fprintf(stderr, "sendguard demo: --corpus: %v\n", err)
			return exitUsage
		}
		g.LoadByFrom(msgs, "unknown-sender@demo-trust.nhs.net")
		fmt.Fprintf(stdout, "loaded %d messages from %s (%d unreadable files skipped)\n", len(msgs), *corpus, skipped)
	}
	fmt.Fprintf(stdout, "Graph test server on %s: %d mailboxes, %d messages in Sent Items\n", g.URL(), len(g.Mailboxes()), g.MessageCount())

	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(demoDB + suffix); err != nil && !os.IsNotExist(err) {
			fmt.Fprintf(stderr, "sendguard demo: %v\n", err)
			return 1
		}
	}
	s := audit.Settings{Graph: graph.Config{BaseURL: g.URL(), Token: "demo", PageSize: 50}, Tenant: domain.DevTenant, Workers: 4, LeaseTTL: time.Minute}
	s.Graph.Defaults()
	env, err := openAudit(ctx, demoDB, &s, true, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(stderr, "sendguard demo: %v\n", err)
		return 1
	}
	rep, err := env.auditor.RunOnce(ctx)
	if err != nil {
		env.close()
		fmt.Fprintf(stderr, "sendguard demo: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "\n== audit: %d mailboxes, %d messages in %s (%.0f messages/s), %d findings, %d breach records\n",
		len(rep.Mailboxes), rep.Messages, rep.Duration.Round(time.Millisecond), float64(rep.Messages)/max(rep.Duration.Seconds(), 1e-9), rep.Findings, rep.Breaches)

	found, _, err := env.store.Findings(ctx, domain.DevTenant, audit.FindingFilter{Limit: -1})
	if err == nil {
		byRule := map[string]int{}
		for _, f := range found {
			byRule[f.Rule]++
		}
		rules := make([]string, 0, len(byRule))
		for r := range byRule {
			rules = append(rules, r)
		}
		sort.Slice(rules, func(i, j int) bool { return byRule[rules[i]] > byRule[rules[j]] })
		fmt.Fprintln(stdout, "\n== findings by rule (masked evidence and hashed recipients only; no subject or body is stored)")
		for _, r := range rules {
			fmt.Fprintf(stdout, "  %-26s %d\n", r, byRule[r])
		}
		fmt.Fprintln(stdout, "\n== latest findings")
		for i, f := range found {
			if i == 8 {
				break
			}
			ev := ""
			for _, e := range f.Evidence {
				ev += " " + e.Kind + "=" + e.Masked
			}
			fmt.Fprintf(stdout, "  %-30s %-24s %-5s %-5s %d recipients%s\n", f.Mailbox, f.Rule, f.Action, f.Classification, f.RecipientCount, ev)
		}
	}
	breaches, _, err := env.store.Breaches(ctx, domain.DevTenant, audit.BreachFilter{Limit: 8})
	if err == nil {
		fmt.Fprintln(stdout, "\n== breach register (latest; each has the ICO's 72-hour deadline)")
		for _, b := range breaches {
			fmt.Fprintf(stdout, "  #%-4d %-6s %-24s %-5s %d affected, report by %s\n", b.ID, b.Status, b.Rule, b.Classification, b.Affected, b.Deadline.Format(time.RFC1123))
		}
	}
	env.close()
	fmt.Fprintf(stdout, "\nThe records are in %s:\n  sendguard findings --database-url %s [--json | --csv]\n  sendguard breaches --database-url %s\n  sendguard serve --dev --database-url %s   (then GET /api/v1/findings, /api/v1/breaches)\n",
		demoDB, demoDB, demoDB, demoDB)
	if *serve == "" {
		return 0
	}
	m := app.NewMain()
	m.Stderr = stderr
	m.Plugins = plugins
	if err := m.ParseFlags([]string{"--dev", "--addr", *serve, "--database-url", demoDB, "--log-level", "warn"}, nil); err != nil {
		fmt.Fprintf(stderr, "sendguard demo: --serve: %v\n", err)
		return exitUsage
	}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "sendguard demo: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "\nserving %s/api/v1/findings and %s/api/v1/breaches (dev mode, no authentication); Ctrl-C to stop\n", m.URL(), m.URL())
	select {
	case <-ctx.Done():
	case err := <-m.Failed():
		fmt.Fprintf(stderr, "sendguard demo: %v\n", err)
	}
	if err := m.Close(); err != nil {
		fmt.Fprintf(stderr, "sendguard demo: %v\n", err)
		return 1
	}
	return 0
}
