package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/store"
)

func init() {
	verbs["findings"] = verb{
		summary: "list Sent Items audit findings (--since, --rule, --mailbox, --action; --json lines or --csv)",
		run:     runFindings,
	}
}

// parseSince accepts an RFC 3339 time, a date, or a duration back from
// now ("24h", "7d").
func parseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	if d, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: give a time (2006-01-02 or RFC 3339) or an age (24h, 7d)", v)
}

func runFindings(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("findings", flag.ContinueOnError)
	fs.SetOutput(stderr)
	since := fs.String("since", "", "only findings detected since: a time, a date or an age (24h, 7d)")
	var f audit.FindingFilter
	fs.StringVar(&f.Rule, "rule", "", "only this rule (e.g. insecure-recipient)")
	fs.StringVar(&f.Mailbox, "mailbox", "", "only this mailbox")
	fs.StringVar(&f.Action, "action", "", "only verdicts with this action (allow, warn, block)")
	limit := fs.Int("limit", 0, "at most this many (default all)")
	asJSON := fs.Bool("json", false, "print JSON Lines, one finding per line")
	asCSV := fs.Bool("csv", false, "print CSV with a header")
	dbURL := fs.String("database-url", "", "database: a SQLite file (default "+store.DefaultSQLiteFile+") or postgres://...")
	tenant := fs.String("audit-tenant", "", "tenant the records belong to (default: SENDGUARD_GRAPH_TENANT_ID, or dev)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if err := envFallback(fs, os.Getenv); err != nil {
		fmt.Fprintf(stderr, "sendguard findings: %v\n", err)
		return exitUsage
	}
	var err error
	if f.Since, err = parseSince(*since, time.Now()); err != nil || fs.NArg() > 0 || (*asJSON && *asCSV) {
		if err == nil {
			err = errors.New("usage: sendguard findings [--since T] [--rule R] [--mailbox M] [--action A] [--json | --csv]")
		}
		fmt.Fprintf(stderr, "sendguard findings: %v\n", err)
		return exitUsage
	}
	f.Limit = -1
	if *limit > 0 {
		f.Limit = *limit
	}
	ctx := context.Background()
	s := audit.Settings{Tenant: *tenant, Graph: graphEnvTenant()}
	env, err := openAudit(ctx, *dbURL, &s, false, nil)
	if err != nil {
		fmt.Fprintf(stderr, "sendguard findings: %v\n", err)
		return 1
	}
	defer env.close()
	list, _, err := env.store.Findings(ctx, s.TenantFor(false), f)
	if err != nil {
		fmt.Fprintf(stderr, "sendguard findings: %v\n", err)
		return 1
	}
	switch {
	case *asCSV:
		err = audit.WriteFindingsCSV(stdout, list)
	case *asJSON:
		err = writeJSONLines(stdout, list)
	default:
		for _, x := range list {
			ev := make([]string, len(x.Evidence))
			for i, e := range x.Evidence {
				ev[i] = e.Kind + " " + e.Masked
			}
			fmt.Fprintf(stdout, "%s  %-30s %-24s %-5s %-5s %d recipients  %s\n", x.DetectedAt.Format(time.RFC3339), x.Mailbox, x.Rule,
				x.Action, x.Classification, x.RecipientCount, strings.Join(ev, ", "))
		}
		fmt.Fprintf(stdout, "%d findings\n", len(list))
	}
	if err != nil {
		fmt.Fprintf(stderr, "sendguard findings: %v\n", err)
		return 1
	}
	return 0
}

// graphEnvTenant carries SENDGUARD_GRAPH_TENANT_ID for picking the tenant.
func graphEnvTenant() (c graphConfig) {
	c.TenantID = os.Getenv("SENDGUARD_GRAPH_TENANT_ID")
	return c
}
