package audit

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/server/app"
	"github.com/sendguard/sendguard/server/domain"
	"github.com/sendguard/sendguard/server/graph"
	"github.com/sendguard/sendguard/server/graphtest"
	"github.com/sendguard/sendguard/server/history"
	sghttp "github.com/sendguard/sendguard/server/http"
)

// Settings are the auditor's knobs shared by `serve` and `audit`.
type Settings struct {
	Graph    graph.Config
	Interval time.Duration
	Workers  int
	LeaseTTL time.Duration
	Holder   string
	// Tenant overrides the tenant findings are stored under (default: the
	// Graph tenant id, or "dev" without one).
	Tenant string
	// Demo (serve --demo) audits a built-in Graph test server holding
	// synthetic clinical mail instead of a tenant.
	Demo bool
}

// RegisterFlags adds the auditor's flags (Graph's included). Environment
// variables SENDGUARD_<FLAG> fill flags not given.
func (s *Settings) RegisterFlags(fs *flag.FlagSet, withInterval bool) {
	s.Graph.RegisterFlags(fs)
	if withInterval {
		fs.DurationVar(&s.Interval, "audit-interval", 0, "audit Sent Items this often (e.g. 15m; 0 turns the scheduler off)")
		fs.BoolVar(&s.Demo, "demo", false, "with --dev: audit a built-in Graph test server holding synthetic clinical mail (no tenant needed)")
	}
	fs.IntVar(&s.Workers, "audit-workers", 4, "mailboxes audited at once")
	fs.DurationVar(&s.LeaseTTL, "audit-lease", 2*time.Minute, "how long a replica holds a mailbox without progress before another may take it")
	fs.StringVar(&s.Holder, "audit-holder", "", "this replica's name in mailbox leases (default: host/pid/random)")
	fs.StringVar(&s.Tenant, "audit-tenant", "", "tenant to store findings under (default: --graph-tenant-id, or dev)")
}

// TenantFor picks the tenant findings belong to.
func (s *Settings) TenantFor(dev bool) string {
	switch {
	case s.Tenant != "":
		return s.Tenant
	case dev || s.Graph.TenantID == "":
		return domain.DevTenant
	default:
		return s.Graph.TenantID
	}
}

// Configured reports whether Graph credentials are present.
func (s *Settings) Configured() bool { return s.Graph.Validate() == nil }

// HistoryKey reads SENDGUARD_HISTORY_KEY (nil when unset).
func HistoryKey(getenv func(string) string) ([]byte, error) {
	v := getenv("SENDGUARD_HISTORY_KEY")
	if v == "" {
		return nil, nil
	}
	return history.ParseSecret(v)
}

type modules []sghttp.Module

func (ms modules) Register(api *gin.RouterGroup, admin gin.HandlerFunc) {
	for _, m := range ms {
		m.Register(api, admin)
	}
}

// Plugin plugs the recipients API, findings, breaches and the scheduled
// auditor into `sendguard serve`.
func Plugin() app.Plugin {
	s := &Settings{Graph: graph.FromEnv(os.Getenv)}
	return app.Plugin{
		Name:       Component,
		Flags:      func(fs *flag.FlagSet) { s.RegisterFlags(fs, true) },
		Migrations: Migrations(),
		Start: func(ctx context.Context, d app.Deps) (app.Parts, error) {
			// Secrets come from the environment only (see graph.FromEnv).
			env := graph.FromEnv(os.Getenv)
			s.Graph.ClientSecret, s.Graph.Token, s.Graph.CertPassword = env.ClientSecret, env.Token, env.CertPassword
			s.Graph.Defaults()
			key, err := HistoryKey(os.Getenv)
			if err != nil {
				return app.Parts{}, err
			}
			hist, err := history.Open(ctx, d.DB, key)
			if err != nil {
				return app.Parts{}, err
			}
			st := &Store{db: d.DB}
			svc := history.NewService(hist, time.Minute, 1000)
			parts := app.Parts{Module: modules{&history.Module{Service: svc}, &Module{Store: st}}}
			if s.Demo {
				if !d.Config.Dev {
					return app.Parts{}, fmt.Errorf("--demo needs --dev: the demo's records belong to the dev tenant")
				}
				g := graphtest.New(graphtest.WithToken("demo"))
				if err := g.Start("127.0.0.1:0"); err != nil {
					return app.Parts{}, err
				}
				g.LoadClinical(graphtest.Clinical("demo-trust.nhs.net", 5, 30, time.Now()))
				s.Graph = graph.Config{BaseURL: g.URL(), Token: "demo"}
				s.Graph.Defaults()
				if s.Interval <= 0 {
					s.Interval = time.Minute
				}
				parts.Close = g.Close
				d.Logger.Warn("DEMO: auditing a built-in Graph test server with synthetic mail", "graph", g.URL())
			}
			if s.Interval <= 0 {
				return parts, nil
			}
			gc, err := graph.New(s.Graph)
			if err != nil {
				return app.Parts{}, fmt.Errorf("--audit-interval needs Graph access: %w", err)
			}
			a := &Auditor{Graph: gc, Store: st, History: hist, Engines: d.Engines, Tenant: s.TenantFor(d.Config.Dev),
				Holder: s.Holder, LeaseTTL: s.LeaseTTL, Workers: s.Workers, Logger: d.Logger.With("component", "audit"), OnForget: svc.Forget}
			parts.Run = func(ctx context.Context) error { return a.Run(ctx, s.Interval) }
			return parts, nil
		},
	}
}
