package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/engines"
	"github.com/sendguard/sendguard/server/graph"
	"github.com/sendguard/sendguard/server/store"
)

func init() {
	verbs["audit"] = verb{
		summary: "audit Sent Items through Microsoft Graph (--once for one pass; see docs/graph.md)",
		run:     runAudit,
	}
	// serve gets the recipients API, findings, breaches and the scheduler.
	plugins = append(plugins, audit.Plugin())
}

const auditUsage = `usage: sendguard audit [--once] [--json] [flags]

Delta-syncs the Sent Items of every mailbox in scope through Microsoft Graph,
checks each message with the sender's recipient history, and stores masked
findings and breach records. Without --once it repeats every --audit-interval.
Graph access: SENDGUARD_GRAPH_TOKEN, or SENDGUARD_GRAPH_TENANT_ID,
SENDGUARD_GRAPH_CLIENT_ID and SENDGUARD_GRAPH_CLIENT_SECRET or SENDGUARD_GRAPH_CERT.
Every flag also reads SENDGUARD_<FLAG> (SENDGUARD_DATABASE_URL, SENDGUARD_MAILBOXES...).
Exit status: 0 every mailbox audited, 1 some mailbox failed or was refused, 3 usage.

flags:
`

// envFallback sets flags not given on the command line from SENDGUARD_<FLAG>
// environment variables, as serve does.
func envFallback(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := "SENDGUARD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	})
	return err
}

// auditEnv is what the audit-related verbs open.
type auditEnv struct {
	db      *store.DB
	store   *audit.Store
	auditor *audit.Auditor
}

func (e *auditEnv) close() {
	if e.db != nil {
		e.db.Close()
	}
}

// openAudit opens the database and, when withGraph, the Graph client.
func openAudit(ctx context.Context, dbURL string, s *audit.Settings, withGraph bool, logger *slog.Logger) (*auditEnv, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	env := &auditEnv{db: db}
	if err := store.MigrateCore(ctx, db); err != nil {
		env.close()
		return nil, err
	}
	key, err := audit.HistoryKey(os.Getenv)
	if err != nil {
		env.close()
		return nil, err
	}
	st, hist, err := audit.Open(ctx, db, key)
	if err != nil {
		env.close()
		return nil, err
	}
	env.store = st
	if !withGraph {
		return env, nil
	}
	gc, err := graph.New(s.Graph)
	if err != nil {
		env.close()
		return nil, err
	}
	env.auditor = &audit.Auditor{Graph: gc, Store: st, History: hist, Engines: engines.New(store.New(db), 0),
		Tenant: s.TenantFor(false), Holder: s.Holder, LeaseTTL: s.LeaseTTL, Workers: s.Workers, Logger: logger}
	return env, nil
}

func runAudit(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	s := audit.Settings{Graph: graph.FromEnv(os.Getenv)}
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage); fs.PrintDefaults() }
	once := fs.Bool("once", false, "one pass over the scope, then exit")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	dbURL := fs.String("database-url", "", "database: a SQLite file (default "+store.DefaultSQLiteFile+") or postgres://...")
	s.RegisterFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sendguard audit: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if err := envFallback(fs, os.Getenv); err != nil {
		fmt.Fprintf(stderr, "sendguard audit: %v\n", err)
		return exitUsage
	}
	s.Graph.Defaults()
	if err := s.Graph.Validate(); err != nil {
		fmt.Fprintf(stderr, "sendguard audit: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	env, err := openAudit(ctx, *dbURL, &s, true, logger)
	if err != nil {
		fmt.Fprintf(stderr, "sendguard audit: %v\n", err)
		return 1
	}
	defer env.close()
	if !*once {
		env.auditor.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
		interval := s.Interval
		if interval <= 0 {
			interval = 15 * time.Minute
		}
		if err := env.auditor.Run(ctx, interval); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "sendguard audit: %v\n", err)
			return 1
		}
		return 0
	}
	rep, err := env.auditor.RunOnce(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "sendguard audit: %v\n", err)
		return 1
	}
	printReport(stdout, rep, *asJSON)
	if rep.Failed > 0 {
		return 1
	}
	return 0
}

func printReport(w io.Writer, rep audit.Report, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(w, string(b))
		return
	}
	for _, m := range rep.Mailboxes {
		line := fmt.Sprintf("%-40s %-17s %6d messages %5d findings %4d breaches", m.Mailbox, m.Status, m.Messages, m.Findings, m.Breaches)
		if m.Removed > 0 {
			line += fmt.Sprintf(" %d removed", m.Removed)
		}
		if m.Error != "" {
			line += "  (" + m.Error + ")"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "audited %d mailboxes in %s: %d messages, %d findings, %d breaches, %d mailboxes failed\n",
		len(rep.Mailboxes), rep.Duration.Round(time.Millisecond), rep.Messages, rep.Findings, rep.Breaches, rep.Failed)
}

type graphConfig = graph.Config

// writeJSONLines prints one JSON document per line (the --json output of
// findings and breaches).
func writeJSONLines[T any](w io.Writer, list []T) error {
	enc := json.NewEncoder(w)
	for _, x := range list {
		if err := enc.Encode(x); err != nil {
			return err
		}
	}
	return nil
}
