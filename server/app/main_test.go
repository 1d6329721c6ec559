package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/app"
	"github.com/sendguard/sendguard/server/auth/authtest"
	sghttp "github.com/sendguard/sendguard/server/http"
	"github.com/sendguard/sendguard/server/store"
)

// testModule is a plugin's routes: a slow handler (for shutdown), a
// panicking one, an admin-only one, and one writing in a transaction.
type testModule struct {
	db      *store.DB
	started chan struct{}
	release chan struct{}
}

func (m *testModule) Register(api *gin.RouterGroup, admin gin.HandlerFunc) {
	api.POST("/slow", func(c *gin.Context) {
		close(m.started)
		<-m.release
		err := m.db.Tx(c.Request.Context(), func(tx *store.Tx) error {
			_, err := tx.Exec(c.Request.Context(), "INSERT INTO widgets (tenant_id, n) VALUES (?, ?)", sghttp.Principal(c).TenantID, 1)
			return err
		})
		if err != nil {
			sghttp.WriteError(c, err)
			return
		}
		c.JSON(200, gin.H{"done": true})
	})
	api.GET("/boom", func(c *gin.Context) { panic("the value " + plantedNHS + " must not be logged") })
	api.GET("/secret", admin, func(c *gin.Context) { c.JSON(200, gin.H{"tenant": sghttp.Principal(c).TenantID}) })
	api.GET("/fails", func(c *gin.Context) { sghttp.WriteError(c, errors.New("db said: 943 476 5919")) })
}

// TestPluginAndGracefulShutdown starts a plugin with its own migrations,
// routes and background worker, then shuts down while a request is in
// flight: the request finishes and its write is committed, the worker is
// cancelled and waited for.
func TestPluginAndGracefulShutdown(t *testing.T) {
	mod := &testModule{started: make(chan struct{}), release: make(chan struct{})}
	var workerStopped, closed atomic.Bool
	plugin := app.Plugin{
		Name:       "widgets",
		Migrations: fstest.MapFS{"001_widgets.sql": {Data: []byte("CREATE TABLE widgets (tenant_id TEXT NOT NULL, n INTEGER NOT NULL);")}},
		Start: func(ctx context.Context, d app.Deps) (app.Parts, error) {
			mod.db = d.DB
			require.NotNil(t, d.Engines)
			return app.Parts{
				Module: mod,
				Run: func(ctx context.Context) error {
					<-ctx.Done()
					workerStopped.Store(true)
					return ctx.Err()
				},
				Close: func() error { closed.Store(true); return nil },
			}, nil
		},
	}
	s := start(t, store.SQLite, func(m *app.Main) { m.Plugins = append(m.Plugins, plugin) })
	user := s.Issuer.User(t, authtest.TenantA, userA, false)
	admin := s.Issuer.User(t, authtest.TenantA, userA, true)

	t.Run("admin middleware", func(t *testing.T) {
		assert.Equal(t, 403, do(t, "GET", s.URL+"/api/v1/secret", user, nil).Status)
		r := do(t, "GET", s.URL+"/api/v1/secret", admin, nil)
		assert.Equal(t, 200, r.Status)
		assert.Equal(t, authtest.TenantA, r.JSON(t)["tenant"])
		assert.Equal(t, 401, do(t, "GET", s.URL+"/api/v1/secret", "", nil).Status)
	})
	t.Run("panic and internal errors are 500 envelopes, logged without values", func(t *testing.T) {
		r := do(t, "GET", s.URL+"/api/v1/boom", user, nil)
		require.Equal(t, 500, r.Status)
		assert.Equal(t, apierr.Internal, r.ErrorCode(t))
		r = do(t, "GET", s.URL+"/api/v1/fails", user, nil)
		require.Equal(t, 500, r.Status)
		assert.Equal(t, apierr.Internal, r.ErrorCode(t))
		assert.NotContains(t, string(r.Body), "5919")
		assert.Contains(t, s.Logs.String(), `"msg":"panic"`)
		assert.NotContains(t, s.Logs.String(), "the value "+plantedNHS)
		assert.Contains(t, s.Logs.String(), "db said: [digits]", "internal errors are logged, scrubbed")
		assert.NotContains(t, s.Logs.String(), "5919")
	})

	done := make(chan response, 1)
	go func() { done <- do(t, "POST", s.URL+"/api/v1/slow", user, "{}") }()
	<-mod.started
	closeDone := make(chan error, 1)
	go func() { closeDone <- s.Close() }()
	// The listener stops accepting while the request is still in flight.
	require.Eventually(t, func() bool {
		_, err := http.Get(s.URL + "/healthz")
		return err != nil
	}, 5*time.Second, 10*time.Millisecond)
	select {
	case <-closeDone:
		t.Fatal("Close returned before the in-flight request finished")
	default:
	}
	close(mod.release)
	r := <-done
	require.Equal(t, 200, r.Status, "%s", r.Body)
	require.NoError(t, <-closeDone)
	assert.True(t, workerStopped.Load(), "the worker was cancelled and waited for")
	assert.True(t, closed.Load(), "the plugin was closed")

	// The in-flight write was committed before the store closed.
	ctx := context.Background()
	db, err := store.Open(ctx, s.DBURL)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow(ctx, "SELECT COUNT(*) FROM widgets").Scan(&n))
	assert.Equal(t, 1, n)
}

func TestDevMode(t *testing.T) {
	t.Run("refuses non-loopback", func(t *testing.T) {
		for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.1:80", "[::]:80", "example.com:80"} {
			m := app.NewMain()
			m.Stderr = &syncBuffer{}
			err := m.ParseFlags([]string{"--dev", "--addr", addr}, nil)
			require.Error(t, err, addr)
			assert.Contains(t, err.Error(), "loopback")
		}
	})
	t.Run("needs no setup and says so loudly", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		logs := &syncBuffer{}
		m := app.NewMain()
		m.Stderr = logs
		require.NoError(t, m.ParseFlags([]string{"--dev", "--addr", "127.0.0.1:0"}, func(string) string { return "" }))
		require.NoError(t, m.Run(context.Background()))
		defer m.Close()
		assert.Contains(t, logs.String(), "DEV MODE")
		assert.Contains(t, logs.String(), "sendguard: listening on http://127.0.0.1:")
		assert.Contains(t, logs.String(), `"msg":"listening","addr":"127.0.0.1:`)
		assert.FileExists(t, dir+"/sendguard.db", "the default database is a file in the working directory")

		r := do(t, "POST", m.URL()+"/api/v1/check", "", checkBody("Hi", "<p>hi</p>"))
		require.Equal(t, 200, r.Status, "%s", r.Body)
		assert.Contains(t, []string{"allow", "warn", "block"}, r.JSON(t)["action"])
		r = do(t, "PUT", m.URL()+"/api/v1/policy", "", policyJSON(t, "dev-policy", "[secure]"))
		require.Equal(t, 200, r.Status, "dev is an admin")
		r = do(t, "GET", m.URL()+"/readyz", "", nil)
		assert.Equal(t, 200, r.Status)
		r = do(t, "GET", m.URL()+"/manifest.xml", "", nil)
		assert.Equal(t, 404, r.Status, "no https base URL in dev")
		assert.Equal(t, apierr.NotFound, r.ErrorCode(t))
	})
}

func TestFlagsAndEnv(t *testing.T) {
	env := map[string]string{
		"SENDGUARD_DATABASE_URL": "postgres://x@127.0.0.1/db",
		"SENDGUARD_TENANT":       "t1, t2",
		"SENDGUARD_CLIENT_ID":    "from-env",
		"SENDGUARD_RATE_LIMIT":   "7",
		"SENDGUARD_ADDR":         "127.0.0.1:9999",
	}
	m := app.NewMain()
	require.NoError(t, m.ParseFlags([]string{"--client-id", "from-flag", "--tenant", "t3"}, func(k string) string { return env[k] }))
	c := m.Config
	assert.Equal(t, "postgres://x@127.0.0.1/db", c.DatabaseURL)
	assert.Equal(t, []string{"t3"}, c.Tenants, "a flag wins over the environment")
	assert.Equal(t, "from-flag", c.ClientID)
	assert.Equal(t, 7.0, c.RateLimit)
	assert.Equal(t, "127.0.0.1:9999", c.Addr)
	assert.Equal(t, "access_as_user", c.Scope)
	assert.Equal(t, "Sendguard.Admin", c.AdminRole)

	tests := map[string][]string{
		"no client id":   {"--tenant", "t"},
		"no tenant":      {"--client-id", "c"},
		"bad log level":  {"--dev", "--log-level", "loud"},
		"cert alone":     {"--dev", "--tls-cert", "x.pem"},
		"bad addr":       {"--dev", "--addr", "nope"},
		"extra argument": {"--dev", "serve"},
		"bad env number": {"--dev"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			m := app.NewMain()
			m.Stderr = &syncBuffer{}
			getenv := func(string) string { return "" }
			if name == "bad env number" {
				getenv = func(k string) string {
					if k == "SENDGUARD_RATE_LIMIT" {
						return "lots"
					}
					return ""
				}
			}
			assert.Error(t, m.ParseFlags(args, getenv))
		})
	}
}

func TestStaticAndErrors(t *testing.T) {
	s := start(t, store.SQLite, func(m *app.Main) {
		m.Config.BaseURL = "https://sendguard.example.nhs.uk"
		m.Config.AppID = "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
	})
	r := do(t, "GET", s.URL+"/manifest.xml", "", nil)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), "https://sendguard.example.nhs.uk/addin/")
	assert.Contains(t, string(r.Body), "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6")

	r = do(t, "GET", s.URL+"/.well-known/microsoft-officeaddins-allowed.json", "", nil)
	require.Equal(t, 200, r.Status)
	assert.Contains(t, string(r.Body), "https://sendguard.example.nhs.uk/addin/")

	r = do(t, "GET", s.URL+"/addin/commands.html", "", nil)
	require.Equal(t, 200, r.Status)
	assert.Contains(t, r.Header.Get("Content-Type"), "text/html")
	assert.Equal(t, "no-cache", r.Header.Get("Cache-Control"))
	plain := r.Body
	for _, enc := range []string{"br", "gzip"} {
		r = do(t, "GET", s.URL+"/addin/commands.html", "", nil, "Accept-Encoding: "+enc)
		require.Equal(t, 200, r.Status)
		assert.Equal(t, enc, r.Header.Get("Content-Encoding"))
		assert.Equal(t, "Accept-Encoding", r.Header.Get("Vary"))
		assert.Contains(t, r.Header.Get("Content-Type"), "text/html")
		assert.Equal(t, plain, decompress(t, enc, r.Body))
	}
	for _, p := range []string{"/addin/", "/addin/nope.js", "/addin/../go.mod", "/addin/.keep"} {
		r = do(t, "GET", s.URL+p, "", nil)
		assert.Equal(t, 404, r.Status, p)
		assert.Equal(t, apierr.NotFound, r.ErrorCode(t), p)
	}

	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/nope", 404, apierr.NotFound},
		{"GET", "/api/v1/nope", 404, apierr.NotFound},
		{"GET", "/api/v1/check", 405, apierr.MethodNotAllowed},
		{"DELETE", "/api/v1/policy", 405, apierr.MethodNotAllowed},
		{"POST", "/healthz", 405, apierr.MethodNotAllowed},
	} {
		r := do(t, tc.method, s.URL+tc.path, "", nil)
		assert.Equal(t, tc.status, r.Status, tc.path)
		assert.Equal(t, tc.code, r.ErrorCode(t), tc.path)
	}
	t.Run("CORS for the base origin only", func(t *testing.T) {
		const good, evil = "https://sendguard.example.nhs.uk", "https://evil.example"
		r := do(t, "OPTIONS", s.URL+"/api/v1/check", "", nil, "Origin: "+good, "Access-Control-Request-Method: POST")
		require.Equal(t, 204, r.Status)
		assert.Equal(t, good, r.Header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, r.Header.Get("Access-Control-Allow-Headers"), "Authorization")
		assert.Empty(t, r.Header.Get("Access-Control-Allow-Credentials"))
		r = do(t, "OPTIONS", s.URL+"/api/v1/check", "", nil, "Origin: "+evil)
		require.Equal(t, 403, r.Status)
		assert.Equal(t, apierr.Forbidden, r.ErrorCode(t))
		assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))

		user := s.Issuer.User(t, authtest.TenantA, userA, false)
		r = do(t, "GET", s.URL+"/api/v1/policy", user, nil, "Origin: "+good)
		require.Equal(t, 200, r.Status)
		assert.Equal(t, good, r.Header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), "ETag")
		r = do(t, "GET", s.URL+"/api/v1/policy", user, nil, "Origin: "+evil)
		assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
		r = do(t, "POST", s.URL+"/api/v1/check", "", checkBody("x", "y"), "Origin: "+good)
		require.Equal(t, 401, r.Status)
		assert.Equal(t, good, r.Header.Get("Access-Control-Allow-Origin"), "errors are readable cross-origin too")
	})
	r = do(t, "X9434765919", s.URL+"/healthz", "", nil)
	assert.Equal(t, 405, r.Status)
	r = do(t, "GET", s.URL+"/healthz", "", nil)
	assert.Equal(t, 200, r.Status)
	r = do(t, "GET", s.URL+"/readyz", "", nil)
	assert.Equal(t, 200, r.Status)
	r = do(t, "GET", s.URL+"/metrics", "", nil)
	require.Equal(t, 200, r.Status)
	assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain; version=0.0.4"))
	assert.Contains(t, string(r.Body), `sendguard_http_requests_total{route="/manifest.xml",method="GET",status="200"} 1`)
	assert.Contains(t, string(r.Body), `sendguard_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 1`)
	assert.Contains(t, string(r.Body), `method="OTHER"`)
	assert.NotContains(t, string(r.Body), "9434765919", "invented methods do not become labels")
	assert.NotContains(t, s.Logs.String(), "9434765919")
}

func decompress(t *testing.T, enc string, b []byte) []byte {
	var rd io.Reader
	switch enc {
	case "br":
		rd = brotli.NewReader(bytes.NewReader(b))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		require.NoError(t, err)
		rd = zr
	}
	out, err := io.ReadAll(rd)
	require.NoError(t, err)
	return out
}

func TestReadyzWhenStoreIsDown(t *testing.T) {
	s := start(t, store.SQLite, nil)
	require.NoError(t, s.DB.Close())
	r := do(t, "GET", s.URL+"/readyz", "", nil)
	assert.Equal(t, 503, r.Status)
	assert.Equal(t, apierr.Unavailable, r.ErrorCode(t))
	assert.Equal(t, 200, do(t, "GET", s.URL+"/healthz", "", nil).Status)
}
