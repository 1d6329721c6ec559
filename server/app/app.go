// Package app assembles the service: it opens and migrates the store,
// builds the authenticator, engine cache, metrics and HTTP routes,
// listens, starts plugins' background workers, and shuts it all down
// gracefully. Main is what `sendguard serve` runs and what tests start
// with --addr 127.0.0.1:0 and a temp database.
//
// Other server packages plug in through Plugin (their tables, routes,
// background workers and flags) instead of editing this package. Nothing
// outside server/ may import it.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/sendguard/sendguard/addin"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/manifest"
	"github.com/sendguard/sendguard/server/auth"
	"github.com/sendguard/sendguard/server/engines"
	sghttp "github.com/sendguard/sendguard/server/http"
	"github.com/sendguard/sendguard/server/metrics"
	"github.com/sendguard/sendguard/server/store"
)

// Plugin is a component that adds to the service without editing it (the
// Graph auditor is one). Every field is optional except Name.
//
//	m := app.NewMain()
//	m.Plugins = append(m.Plugins, audit.Plugin())
type Plugin struct {
	// Name identifies the component in logs and in schema_migrations.
	Name string
	// Flags registers the component's flags (they get SENDGUARD_* env
	// fallbacks like every other flag).
	Flags func(fs *flag.FlagSet)
	// Migrations are applied with store.Migrate(ctx, db, Name, Migrations)
	// before Start (see store.Migrate for the file names).
	Migrations fs.FS
	// Start is called once the store is open and migrated, before the
	// server listens.
	Start func(ctx context.Context, d Deps) (Parts, error)
}

// Deps is what a plugin gets from the service.
type Deps struct {
	// DB is the open database (SQLite or PostgreSQL; see DB.Dialect).
	DB *store.DB
	// Store is the core store (policies, events).
	Store *store.Store
	// Engines returns a tenant's compiled engine.
	Engines *engines.Cache
	// Metrics is the registry /metrics serves.
	Metrics *metrics.Registry
	// Logger writes slog JSON to stderr. Never log message content.
	Logger *slog.Logger
	// Config is the service's configuration.
	Config Config
}

// Parts is what a started plugin contributes.
type Parts struct {
	// Module adds routes under /api/v1.
	Module sghttp.Module
	// Run is a background worker. Its context is cancelled at Close,
	// after the HTTP server has drained; it should then finish its current
	// unit of work (in a transaction) and return.
	Run func(ctx context.Context) error
	// Close releases the plugin's resources; called after Run returned.
	Close func() error
}

// Config is the service's configuration (flags and SENDGUARD_* env).
type Config struct {
	Addr, BaseURL     string
	TLSCert, TLSKey   string
	DatabaseURL       string
	Tenants           []string
	ClientID          string
	Scope, AdminRole  string
	AuthorityURL      string
	AppID, SendMode   string
	LogLevel          string
	Dev               bool
	RateLimit         float64
	RateBurst         float64
	MaxCheckBody      int64
	PolicyTTL         time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	ReadHeaderTimeout time.Duration
	GCPercent         int
	CORSOrigins       []string
}

// DefaultGCPercent trades memory for CPU: each check allocates ~45 KB of
// short-lived garbage over a live heap of a few MB, so at GOGC=100 the
// collector runs constantly. 400 cut server CPU per check by about 30% in
// make bench-server for ~25 MB more RSS.
const DefaultGCPercent = 400

// DefaultAddr is where the service listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// Main runs the service.
type Main struct {
	// Config is filled by ParseFlags (or set directly by tests).
	Config Config
	// Plugins extend the service.
	Plugins []Plugin
	// Stderr receives the JSON logs and the "listening on" line
	// (default os.Stderr).
	Stderr io.Writer

	// Set by Run.
	Addr    string // the bound address, host:port
	DB      *store.DB
	Engines *engines.Cache
	Logger  *slog.Logger
	Metrics *metrics.Registry

	srv      *http.Server
	failed   chan error
	cancel   context.CancelFunc
	workers  sync.WaitGroup
	closers  []func() error
	closeOne sync.Once
	closeErr error
}

// NewMain returns a Main with defaults.
func NewMain() *Main {
	return &Main{Stderr: os.Stderr, failed: make(chan error, 1)}
}

// listFlag is a repeatable, comma-separated flag.
type listFlag struct{ dst *[]string }

func (l listFlag) String() string {
	if l.dst == nil {
		return ""
	}
	return strings.Join(*l.dst, ",")
}

func (l listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l.dst = append(*l.dst, s)
		}
	}
	return nil
}

// FlagSet returns the serve flags bound to m.Config (and plugins' flags).
func (m *Main) FlagSet(output io.Writer) *flag.FlagSet {
	c := &m.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&c.Addr, "addr", DefaultAddr, "listen address (host:port; port 0 picks a free one)")
	fs.StringVar(&c.BaseURL, "base-url", "", "public URL clients reach the service at (default: from --addr)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "database: a SQLite file (default "+store.DefaultSQLiteFile+" in the working directory) or postgres://...")
	fs.Var(listFlag{&c.Tenants}, "tenant", "Entra ID tenant ID allowed to use the service (repeatable or comma-separated)")
	fs.StringVar(&c.ClientID, "client-id", "", "the API's Entra ID application (client) ID; tokens must be issued for it")
	fs.StringVar(&c.Scope, "scope", "access_as_user", "delegated scope tokens must carry in scp")
	fs.StringVar(&c.AdminRole, "admin-role", "Sendguard.Admin", "app role (roles claim) that may change policy and read events")
	fs.StringVar(&c.AuthorityURL, "authority-url", auth.DefaultAuthority, "Entra ID login endpoint (keys and issuer are derived from it)")
	fs.StringVar(&c.AppID, "app-id", "", "the add-in's GUID for /manifest.xml (default: --client-id)")
	fs.StringVar(&c.SendMode, "send-mode", manifest.SoftBlock, "Outlook's behaviour when the add-in cannot run: softBlock, block or promptUser")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&c.Dev, "dev", false, "development mode: NO AUTHENTICATION, tenant \"dev\", loopback addresses only")
	fs.Float64Var(&c.RateLimit, "rate-limit", 500, "API requests per second per tenant (0 disables the limiter)")
	fs.Float64Var(&c.RateBurst, "rate-burst", 0, "rate limiter burst per tenant (default twice --rate-limit)")
	fs.Int64Var(&c.MaxCheckBody, "max-check-body", 25<<20, "largest check request in bytes (the add-in may send attachments)")
	fs.DurationVar(&c.PolicyTTL, "policy-ttl", engines.DefaultTTL, "how long a tenant's compiled policy is used before its version is re-read")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "time to read request headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", 60*time.Second, "time to read a whole request")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 60*time.Second, "time to write a response")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", 120*time.Second, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long shutdown waits for in-flight requests")
	fs.Var(listFlag{&c.CORSOrigins}, "cors-origin", "another origin (https://host) allowed to call the API from a browser (repeatable; the base URL's origin always is)")
	fs.IntVar(&c.GCPercent, "gc-percent", DefaultGCPercent, "Go GC target percentage (GOGC); 0 leaves the runtime's setting alone")
	for _, p := range m.Plugins {
		if p.Flags != nil {
			p.Flags(fs)
		}
	}
	return fs
}

// ParseFlags reads flags, then SENDGUARD_<FLAG> environment variables
// (SENDGUARD_DATABASE_URL for --database-url) for flags not given, and
// validates the result.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	out := m.Stderr
	if out == nil {
		out = os.Stderr
	}
	fs := m.FlagSet(out)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || envErr != nil || getenv == nil {
			return
		}
		name := "SENDGUARD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	return m.Config.Validate()
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var problems []string
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		problems = append(problems, "--addr must be host:port")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		problems = append(problems, "--tls-cert and --tls-key go together")
	}
	if c.Dev {
		if err == nil && !isLoopback(host) {
			problems = append(problems, "--dev turns authentication off, so it may only bind a loopback address (127.0.0.1, ::1, localhost)")
		}
	} else {
		if c.ClientID == "" {
			problems = append(problems, "--client-id is required (the API's Entra ID application ID), or use --dev on loopback")
		}
		if len(c.Tenants) == 0 {
			problems = append(problems, "--tenant is required (the Entra ID tenant IDs allowed), or use --dev on loopback")
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		problems = append(problems, err.Error())
	}
	if c.RateLimit < 0 || c.RateBurst < 0 {
		problems = append(problems, "--rate-limit and --rate-burst must not be negative")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error")
	}
	return l, nil
}

// Run opens the store, starts plugins and listens. It returns once the
// server accepts connections (m.Addr is then set), or with the first
// error. Call Close to stop.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.failed == nil {
		m.failed = make(chan error, 1)
	}
	if m.Stderr == nil {
		m.Stderr = os.Stderr
	}
	c := m.Config
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if c.GCPercent > 0 {
		debug.SetGCPercent(c.GCPercent)
	}
	level, _ := parseLevel(c.LogLevel)
	m.Logger = slog.New(slog.NewJSONHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
	log := m.Logger
	defer func() {
		if err != nil {
			_ = m.Close()
		}
	}()
	if c.Dev {
		log.Warn("DEV MODE: authentication is OFF; every request is an admin of tenant \"dev\"; loopback only", "addr", c.Addr)
		fmt.Fprintln(m.Stderr, "sendguard: DEV MODE: no authentication, every caller is an admin of tenant \"dev\". Loopback only; never expose this.")
	}

	m.DB, err = store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	m.closers = append(m.closers, m.DB.Close)
	if err := store.MigrateCore(ctx, m.DB); err != nil {
		return err
	}
	st := store.New(m.DB)
	eng := engines.New(st, c.PolicyTTL)
	m.Engines = eng
	if _, err := eng.Default(); err != nil {
		return fmt.Errorf("the built-in policy does not compile: %w", err)
	}
	m.Metrics = metrics.New()

	var verifier sghttp.Verifier
	if !c.Dev {
		v, err := auth.New(auth.Config{Authority: c.AuthorityURL, ClientID: c.ClientID, Scope: c.Scope,
			AdminRole: c.AdminRole, Tenants: c.Tenants})
		if err != nil {
			return err
		}
		verifier = v
	}

	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	deps := Deps{DB: m.DB, Store: st, Engines: eng, Metrics: m.Metrics, Logger: log, Config: c}
	var modules []sghttp.Module
	var runs []func(context.Context) error
	for _, p := range m.Plugins {
		if p.Migrations != nil {
			if err := store.Migrate(ctx, m.DB, p.Name, p.Migrations); err != nil {
				return err
			}
		}
		if p.Start == nil {
			continue
		}
		parts, err := p.Start(ctx, deps)
		if err != nil {
			return fmt.Errorf("start %s: %w", p.Name, err)
		}
		if parts.Close != nil {
			m.closers = append(m.closers, parts.Close)
		}
		if parts.Module != nil {
			modules = append(modules, parts.Module)
		}
		if parts.Run != nil {
			runs = append(runs, parts.Run)
		}
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	m.Addr = ln.Addr().String()
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	local := scheme + "://" + m.Addr
	base := c.BaseURL
	if base == "" {
		base = local
	}
	appID := c.AppID
	if appID == "" {
		appID = c.ClientID
	}

	handler := sghttp.New(sghttp.Config{
		Dev:          c.Dev,
		Verifier:     verifier,
		Policies:     st,
		Events:       st,
		Engines:      eng,
		Metrics:      m.Metrics,
		Logger:       log,
		Ready:        m.DB.Ping,
		RateLimit:    c.RateLimit,
		RateBurst:    c.RateBurst,
		MaxCheckBody: c.MaxCheckBody,
		// FilesFor writes the base URL into launchevent.js: classic Outlook
		// builds without Mailbox 1.14 have no other way to find the server.
		AddinFiles: addin.FilesFor(base),
		AllowedOrigins: func() ([]byte, error) {
			return addin.AllowedJSON(base), nil
		},
		Manifest: func() ([]byte, error) {
			b, err := manifest.XML(manifest.Options{BaseURL: base, AppID: appID, SendMode: c.SendMode})
			if err != nil {
				return nil, apierr.New(apierr.NotFound, err.Error()+" (start serve with --base-url https://HOST and --app-id or --client-id)")
			}
			return b, nil
		},
		Modules:     modules,
		CORSOrigins: corsOrigins(base, c.CORSOrigins),
	})
	m.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		m.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, m.srv.TLSConfig)
	}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case m.failed <- err:
			default:
			}
		}
	}()
	for _, run := range runs {
		m.workers.Add(1)
		go func() {
			defer m.workers.Done()
			if err := run(wctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("background worker stopped", "err", sghttp.Redact(err.Error()))
			}
		}()
	}
	log.Info("listening", "addr", m.Addr, "url", local, "base_url", base, "dev", c.Dev,
		"database", string(m.DB.Dialect), "tenants", len(c.Tenants))
	fmt.Fprintf(m.Stderr, "sendguard: listening on %s\n", local)
	return nil
}

// corsOrigins is the base URL's origin plus the configured ones.
func corsOrigins(base string, extra []string) []string {
	out := append([]string(nil), extra...)
	if u, err := url.Parse(base); err == nil && u.Scheme != "" && u.Host != "" {
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out
}

// URL is the service's local URL (after Run).
func (m *Main) URL() string {
	if m.Config.TLSCert != "" {
		return "https://" + m.Addr
	}
	return "http://" + m.Addr
}

// Failed delivers an error if the server stops serving on its own.
func (m *Main) Failed() <-chan error { return m.failed }

// Close shuts down gracefully: the listener stops accepting, in-flight
// requests finish (up to ShutdownTimeout), background workers are
// cancelled and waited for, then plugins and the store close. Every write
// is a transaction, so an interrupted one leaves nothing behind.
func (m *Main) Close() error {
	m.closeOne.Do(func() {
		var errs []error
		if m.srv != nil {
			timeout := m.Config.ShutdownTimeout
			if timeout <= 0 {
				timeout = 30 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			if err := m.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("shutdown: %w", err))
			}
			cancel()
		}
		if m.cancel != nil {
			m.cancel()
		}
		m.workers.Wait()
		for i := len(m.closers) - 1; i >= 0; i-- {
			if err := m.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		if m.Logger != nil {
			m.Logger.Info("stopped")
		}
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}
