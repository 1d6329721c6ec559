package http

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/engine/apierr"
)

// hashedName matches content-hashed file names (engine.3f9a2c1d.wasm,
// launchevent-5d41402a.js): their content never changes under that name,
// so browsers may keep them for a year.
var hashedName = regexp.MustCompile(`[.-][0-9a-fA-F]{8,}\.[a-z0-9]+$`)

var errManifestUnconfigured = apierr.New(apierr.NotFound,
	"the manifest needs a public https base URL and an app ID: start with --base-url https://HOST --app-id GUID")

// staticRoutes serves what Outlook loads: the add-in's files, its
// manifest and the allowed-origins list for nested app authentication.
func (s *Server) staticRoutes(r *gin.Engine) {
	if s.cfg.AddinFiles != nil {
		files := http.FileServer(http.FS(s.cfg.AddinFiles))
		compressed := &compressedFiles{fsys: s.cfg.AddinFiles}
		serve := func(c *gin.Context) {
			name := strings.TrimPrefix(c.Param("filepath"), "/")
			if name == "" {
				name = "."
			}
			if !fs.ValidPath(name) {
				WriteError(c, notFound)
				return
			}
			st, err := fs.Stat(s.cfg.AddinFiles, name)
			if err != nil || st.IsDir() {
				// No directory listings: only files are public.
				WriteError(c, notFound)
				return
			}
			if hashedName.MatchString(path.Base(name)) {
				c.Header("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				c.Header("Cache-Control", "no-cache")
			}
			c.Header("Vary", "Accept-Encoding")
			enc := pickEncoding(c.GetHeader("Accept-Encoding"))
			if body := compressed.get(name, enc); len(body) > 0 && c.GetHeader("Range") == "" {
				ctype := mime.TypeByExtension(path.Ext(name))
				if ctype == "" {
					ctype = "application/octet-stream"
				}
				c.Header("Content-Encoding", enc)
				c.Header("Content-Length", strconv.Itoa(len(body)))
				c.Header("Last-Modified", st.ModTime().UTC().Format(http.TimeFormat))
				c.Status(http.StatusOK)
				c.Writer.Header().Set("Content-Type", ctype)
				if c.Request.Method != http.MethodHead {
					_, _ = c.Writer.Write(body)
				}
				return
			}
			c.Request.URL.Path = "/" + name
			files.ServeHTTP(c.Writer, c.Request)
		}
		r.GET("/addin/*filepath", serve)
		r.HEAD("/addin/*filepath", serve)
	}
	if s.cfg.AllowedOrigins != nil {
		r.GET("/.well-known/microsoft-officeaddins-allowed.json", func(c *gin.Context) {
			b, err := s.cfg.AllowedOrigins()
			if err != nil {
				WriteError(c, err)
				return
			}
			c.Header("Cache-Control", "public, max-age=300")
			c.Data(http.StatusOK, "application/json", b)
		})
	}
	if s.cfg.Manifest != nil {
		r.GET("/manifest.xml", func(c *gin.Context) {
			b, err := s.cfg.Manifest()
			if err != nil {
				var ae *apierr.Error
				if !errors.As(err, &ae) {
					err = errManifestUnconfigured
				}
				WriteError(c, err)
				return
			}
			c.Header("Cache-Control", "no-cache")
			c.Header("Content-Disposition", `attachment; filename="manifest.xml"`)
			c.Data(http.StatusOK, "application/xml; charset=utf-8", b)
		})
	}
}
