package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/store"
)

func init() {
	verbs["breaches"] = verb{
		summary: "the breach register: list (--status, --json, --csv), show ID, update ID --status ...",
		run:     runBreaches,
	}
}

const breachesUsage = `usage:
  sendguard breaches [list] [--status S] [--mailbox M] [--json | --csv]
  sendguard breaches show ID [--json]
  sendguard breaches update ID --actor NAME [--status assessed --reason R | --status reported --ico-reference REF | --status closed] [--note N]

A breach moves open -> assessed (not reportable, with a reason) or reported
(to the ICO, with its reference) -> closed. The ICO deadline is 72 hours after
detection.
`

func runBreaches(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	sub := "list"
	if len(args) > 0 && (args[0] == "list" || args[0] == "show" || args[0] == "update") {
		sub, args = args[0], args[1:]
	}
	var id int64
	if sub != "list" {
		if len(args) == 0 {
			fmt.Fprint(stderr, breachesUsage)
			return exitUsage
		}
		n, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "sendguard breaches: %q is not a breach id\n", args[0])
			return exitUsage
		}
		id, args = n, args[1:]
	}
	fs := flag.NewFlagSet("breaches", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, breachesUsage); fs.PrintDefaults() }
	var f audit.BreachFilter
	fs.StringVar(&f.Status, "status", "", "list: only this status; update: the new status")
	fs.StringVar(&f.Mailbox, "mailbox", "", "only this mailbox")
	var ch audit.BreachChange
	fs.StringVar(&ch.Reason, "reason", "", "why the breach is not reportable (assessed)")
	fs.StringVar(&ch.ICOReference, "ico-reference", "", "the ICO's case reference (reported)")
	fs.StringVar(&ch.Note, "note", "", "a note for the record")
	actor := fs.String("actor", "", "who is making the change (update)")
	asJSON := fs.Bool("json", false, "print JSON (list: JSON Lines)")
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
		fmt.Fprintf(stderr, "sendguard breaches: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 || (*asJSON && *asCSV) || (sub == "update" && *actor == "") {
		fmt.Fprint(stderr, breachesUsage)
		return exitUsage
	}
	ctx := context.Background()
	s := audit.Settings{Tenant: *tenant, Graph: graphEnvTenant()}
	env, err := openAudit(ctx, *dbURL, &s, false, nil)
	if err != nil {
		fmt.Fprintf(stderr, "sendguard breaches: %v\n", err)
		return 1
	}
	defer env.close()
	t := s.TenantFor(false)
	switch sub {
	case "list":
		f.Limit = -1
		list, _, err := env.store.Breaches(ctx, t, f)
		if err != nil {
			fmt.Fprintf(stderr, "sendguard breaches: %v\n", err)
			return 1
		}
		switch {
		case *asCSV:
			err = audit.WriteBreachesCSV(stdout, list)
		case *asJSON:
			err = writeJSONLines(stdout, list)
		default:
			now := time.Now()
			for _, b := range list {
				due := "ICO deadline " + b.Deadline.Format(time.RFC3339)
				if b.Status == audit.StatusOpen {
					if left := b.Deadline.Sub(now); left > 0 {
						due += fmt.Sprintf(" (%s left)", left.Round(time.Minute))
					} else {
						due += " (PASSED)"
					}
				}
				fmt.Fprintf(stdout, "#%-5d %-9s %-24s %-5s %3d affected  %-30s %s\n", b.ID, b.Status, b.Rule, b.Classification, b.Affected, b.Mailbox, due)
			}
			fmt.Fprintf(stdout, "%d breach records\n", len(list))
		}
		if err != nil {
			fmt.Fprintf(stderr, "sendguard breaches: %v\n", err)
			return 1
		}
		return 0
	case "show":
		b, err := env.store.Breach(ctx, t, id)
		if err != nil {
			fmt.Fprintf(stderr, "sendguard breaches: %v\n", err)
			return 1
		}
		out, _ := json.MarshalIndent(b, "", "  ")
		fmt.Fprintln(stdout, string(out))
		return 0
	default:
		ch.Status = f.Status
		b, err := env.store.UpdateBreach(ctx, t, id, ch, *actor, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "sendguard breaches: %v\n", err)
			if ae, ok := err.(*apierr.Error); ok && ae.Code != apierr.Internal {
				return exitUsage
			}
			return 1
		}
		fmt.Fprintf(stdout, "breach #%d is now %s\n", b.ID, b.Status)
		return 0
	}
}
