package http

import (
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/domain"
)

const principalKey = "sendguard.principal"

const checkRoute = "/api/v1/check"

// observe counts and logs every request. Logs carry the route template,
// never the raw path or query, and never a body. Checks log at debug:
// they are the hot path and their content is the most sensitive.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Header("X-Content-Type-Options", "nosniff")
	c.Next()
	d := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	method := knownMethod(c.Request.Method)
	s.metrics.Request(route, method, status, d)

	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case route == checkRoute, route == "/healthz", route == "/readyz", route == "/metrics":
		level = slog.LevelDebug
	}
	ctx := c.Request.Context()
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("route", route),
		slog.String("method", method),
		slog.Int("status", status),
		slog.Float64("ms", float64(d.Microseconds())/1000),
	}
	if p, ok := domain.PrincipalFrom(ctx); ok {
		attrs = append(attrs, slog.String("tenant", p.TenantID), slog.String("oid", p.ObjectID))
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, slog.String("err", Redact(c.Errors.String())))
	}
	s.log.LogAttrs(ctx, level, "request", attrs...)
}

// knownMethod bounds the method label: clients may send any token as a
// method, and metrics must not grow a series (or a log field) per invention.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodHead, http.MethodOptions, http.MethodPatch:
		return m
	}
	return "OTHER"
}

// Redact scrubs what could be an identifier or an address from an error
// text before it is logged. Store and library errors carry no message
// content (none is stored), but a driver may quote a row value, and a
// module may wrap anything.
func Redact(s string) string {
	s = digitRunRE.ReplaceAllString(s, "[digits]")
	return addressRE.ReplaceAllString(s, "[address]")
}

// recover turns a panic into a 500 envelope. It logs the stack, not the
// panic value, which could quote the request.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "route", c.FullPath(), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				WriteError(c, apierr.New(apierr.Internal, "internal error"))
			} else {
				c.Abort()
			}
		}
	}()
	c.Next()
}

// authenticate puts the caller in the request context (for the check
// handler, which sees only *http.Request) and in the gin context.
func (s *Server) authenticate(c *gin.Context) {
	var p domain.Principal
	if s.cfg.Dev {
		p = domain.Principal{TenantID: domain.DevTenant, ObjectID: "dev", UPN: "dev@localhost", Admin: true}
	} else {
		h := c.GetHeader("Authorization")
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			WriteError(c, errUnauthenticated)
			return
		}
		var err error
		p, err = s.cfg.Verifier.Verify(c.Request.Context(), strings.TrimSpace(token))
		if err != nil {
			WriteError(c, err)
			return
		}
	}
	c.Request = c.Request.WithContext(domain.WithPrincipal(c.Request.Context(), p))
}

// requireAdmin admits only callers with the admin app role.
func (s *Server) requireAdmin(c *gin.Context) {
	if !Principal(c).Admin {
		WriteError(c, errNotAdmin)
		return
	}
}

// rateLimit applies the tenant's token bucket.
func (s *Server) rateLimit(c *gin.Context) {
	if s.limiter == nil {
		return
	}
	ok, wait := s.limiter.allow(Principal(c).TenantID, time.Now())
	if ok {
		return
	}
	route := c.FullPath()
	s.metrics.RateLimited(route)
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	WriteError(c, apierr.New(apierr.RateLimited, "too many requests for this tenant; retry after the Retry-After seconds"))
}

// limiter is a token bucket per tenant: rate tokens a second, up to burst.
type limiter struct {
	rate, burst float64
	buckets     sync.Map // tenant -> *bucket
}

type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: burst}
}

// allow takes a token, or says how long until one is available.
func (l *limiter) allow(tenant string, now time.Time) (bool, time.Duration) {
	v, ok := l.buckets.Load(tenant)
	if !ok {
		v, _ = l.buckets.LoadOrStore(tenant, &bucket{tokens: l.burst, last: now})
	}
	b := v.(*bucket)
	b.mu.Lock()
	defer b.mu.Unlock()
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// readBody reads a request body of at most limit bytes; too much is a 413.
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			return nil, errTooLarge
		}
		return nil, apierr.New(apierr.Invalid, "cannot read request body")
	}
	return body, nil
}
