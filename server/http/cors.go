package http

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// Classic Outlook on Windows runs the send handler in a JavaScript-only
// runtime whose requests to the API are cross-origin (that is what
// /.well-known/microsoft-officeaddins-allowed.json unlocks), and a Worker
// or second host may serve the add-in's files from another origin. Only
// the configured origins get CORS headers; tokens, not cookies, carry
// identity, so credentials are never allowed.
const (
	corsMethods = "GET, POST, PUT"
	corsHeaders = "Authorization, Content-Type, If-Match, If-None-Match"
	corsExpose  = "ETag, Retry-After"
)

// corsOrigin returns the request's Origin when it is allowed, else "".
func (s *Server) corsOrigin(c *gin.Context) string {
	origin := c.GetHeader("Origin")
	if origin == "" {
		return ""
	}
	for _, o := range s.cfg.CORSOrigins {
		if strings.EqualFold(o, origin) {
			return origin
		}
	}
	return ""
}

// cors adds the response headers for an allowed origin.
func (s *Server) cors(c *gin.Context) {
	c.Header("Vary", "Origin")
	if origin := s.corsOrigin(c); origin != "" {
		c.Header("Access-Control-Allow-Origin", origin)
		c.Header("Access-Control-Expose-Headers", corsExpose)
	}
}

func (s *Server) isPreflight(c *gin.Context) bool {
	return c.Request.Method == http.MethodOptions && strings.HasPrefix(c.Request.URL.Path, "/api/v1/")
}

// preflight answers OPTIONS for the API before authentication (browsers
// send no token with a preflight).
func (s *Server) preflight(c *gin.Context) {
	c.Header("Vary", "Origin")
	origin := s.corsOrigin(c)
	if origin == "" {
		WriteError(c, errCORSOrigin)
		return
	}
	c.Header("Access-Control-Allow-Origin", origin)
	c.Header("Access-Control-Allow-Methods", corsMethods)
	c.Header("Access-Control-Allow-Headers", corsHeaders)
	c.Header("Access-Control-Max-Age", "600")
	c.Status(http.StatusNoContent)
}
