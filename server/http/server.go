// Package http is the service's HTTP adapter: gin routes for the check
// API, tenant policy, add-in events, health and metrics, plus the add-in's
// files and manifest, behind Entra ID authentication and per-tenant rate
// limits. Every error is written by one function, WriteError, as the
// {"error":{"code","message"}} envelope of engine/apierr.
//
// Other server packages add routes through Module without editing this
// package. It depends on the domain, the engine's contracts and gin; the
// store is reached only through domain interfaces.
package http

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/engine/checkhttp"
	"github.com/sendguard/sendguard/server/domain"
	"github.com/sendguard/sendguard/server/metrics"
)

func init() {
	// Debug mode prints every route and warnings to stdout and costs time
	// per request; the service never wants it.
	gin.SetMode(gin.ReleaseMode)
}

// Module adds routes to the authenticated API. Register is called once
// with the /api/v1 group (every handler in it sees an authenticated,
// rate-limited caller; use Principal) and the middleware that admits only
// tenant admins, to put in front of admin-only handlers:
//
//	func (m *Audit) Register(api *gin.RouterGroup, admin gin.HandlerFunc) {
//		api.GET("/findings", admin, m.listFindings)
//	}
//
// Handlers write errors with WriteError and must key every query by
// Principal(c).TenantID.
type Module interface {
	Register(api *gin.RouterGroup, admin gin.HandlerFunc)
}

// Verifier turns a bearer token into the caller (server/auth.Verifier).
type Verifier interface {
	Verify(ctx context.Context, token string) (domain.Principal, error)
}

// Engines returns a tenant's compiled engine (server/engines.Cache).
type Engines interface {
	For(ctx context.Context, tenant string) (*engine.Engine, error)
	Invalidate(tenant string)
}

// Config is what the HTTP layer needs. Zero limits take the defaults.
type Config struct {
	// Dev disables authentication: every request is an admin of
	// domain.DevTenant. The caller must only serve loopback.
	Dev bool
	// Verifier validates bearer tokens; required unless Dev.
	Verifier Verifier
	Policies domain.PolicyStore
	Events   domain.EventStore
	Engines  Engines
	Metrics  *metrics.Registry
	Logger   *slog.Logger
	// Ready reports whether the store is reachable (/readyz).
	Ready func(ctx context.Context) error
	// RateLimit is each tenant's sustained API requests per second; 0
	// disables the limiter. RateBurst is the bucket size (default 2 x rate).
	RateLimit float64
	RateBurst float64
	// MaxCheckBody caps a check request (default checkhttp.DefaultMaxBody,
	// 25 MB, since the add-in may send attachments).
	MaxCheckBody int64
	// MaxBody caps every other request body (default 1 MB).
	MaxBody int64
	// AddinFiles are the add-in's static files, served under /addin/.
	AddinFiles fs.FS
	// AllowedOrigins renders /.well-known/microsoft-officeaddins-allowed.json.
	AllowedOrigins func() ([]byte, error)
	// Manifest renders /manifest.xml.
	Manifest func() ([]byte, error)
	// Modules add routes under /api/v1.
	Modules []Module
	// CORSOrigins may call the API from a browser context on another
	// origin (scheme://host[:port]), such as classic Outlook's JavaScript
	// runtime.
	CORSOrigins []string
}

// DefaultMaxBody caps policy and event bodies.
const DefaultMaxBody = 1 << 20

// Server is the gin application. Build it with New; it is an
// http.Handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics.Registry
	limiter *limiter
	router  *gin.Engine
	check   *checkhttp.Handler
}

// New builds the routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	if cfg.MaxCheckBody <= 0 {
		cfg.MaxCheckBody = checkhttp.DefaultMaxBody
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: cfg.Metrics}
	if cfg.RateLimit > 0 {
		burst := cfg.RateBurst
		if burst <= 0 {
			burst = 2 * cfg.RateLimit
		}
		s.limiter = newLimiter(cfg.RateLimit, burst)
	}
	s.check = &checkhttp.Handler{
		Engine:    s.engineFor,
		MaxBody:   cfg.MaxCheckBody,
		OnVerdict: s.onVerdict,
	}
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(s.observe, s.recover)
	// Preflights are answered here rather than by an OPTIONS route, which
	// would turn every unknown /api/v1 path into a 405.
	r.NoRoute(func(c *gin.Context) {
		if s.isPreflight(c) {
			s.preflight(c)
			return
		}
		WriteError(c, notFound)
	})
	r.NoMethod(func(c *gin.Context) {
		if s.isPreflight(c) {
			s.preflight(c)
			return
		}
		WriteError(c, methodNotAllowed)
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.serveMetrics)
	s.staticRoutes(r)

	api := r.Group("/api/v1", s.cors, s.authenticate, s.rateLimit)
	api.POST("/check", gin.WrapH(s.check))
	api.GET("/policy", s.getPolicy)
	api.PUT("/policy", s.requireAdmin, s.putPolicy)
	api.GET("/policy/history", s.policyHistory)
	api.POST("/events", s.postEvent)
	api.GET("/events", s.requireAdmin, s.listEvents)
	for _, m := range s.cfg.Modules {
		m.Register(api, s.requireAdmin)
	}
	s.router = r
}

func (s *Server) engineFor(r *http.Request) (*engine.Engine, error) {
	p, ok := domain.PrincipalFrom(r.Context())
	if !ok {
		return nil, errUnauthenticated
	}
	eng, err := s.cfg.Engines.For(r.Context(), p.TenantID)
	if err != nil {
		var ae *apierr.Error
		if errors.As(err, &ae) {
			return nil, ae
		}
		// The check handler writes the envelope but does not log; say here
		// why checks fail (store errors never carry message content).
		s.log.Error("cannot load the tenant's policy", "tenant", p.TenantID, "err", Redact(err.Error()))
		return nil, apierr.New(apierr.Unavailable, "the tenant's policy cannot be loaded; try again")
	}
	return eng, nil
}

func (s *Server) onVerdict(_ *http.Request, v engine.Verdict) {
	s.metrics.Check(v.Action, v.Classification)
	for i := range v.Findings {
		s.metrics.Finding(v.Findings[i].Rule, v.Action)
	}
}

func (s *Server) healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json", []byte(`{"status":"ok","engine":"`+engine.Version+`"}`))
}

func (s *Server) readyz(c *gin.Context) {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.Warn("store not reachable", "err", Redact(err.Error()))
			WriteError(c, errStoreDown)
			return
		}
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json", []byte(`{"status":"ready"}`))
}

func (s *Server) serveMetrics(c *gin.Context) {
	c.Header("Content-Type", metrics.ContentType)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	_, _ = s.metrics.WriteTo(c.Writer)
}
