package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/domain"
)

// getPolicy answers the tenant's current policy document (or ?version=N),
// or the built-in default when the tenant has none. Any user may read it:
// the add-in compiles it into its in-browser engine. The ETag is the
// version, for If-Match on PUT; the default is version 0.
func (s *Server) getPolicy(c *gin.Context) {
	tenant := Principal(c).TenantID
	ctx := c.Request.Context()
	var (
		sp  domain.StoredPolicy
		err error
	)
	if q := c.Query("version"); q != "" {
		v, perr := strconv.ParseInt(q, 10, 64)
		if perr != nil || v < 0 {
			WriteError(c, apierr.New(apierr.Invalid, "query parameter version must be a non-negative integer"))
			return
		}
		if v == 0 {
			sp = domain.StoredPolicy{Policy: engine.DefaultPolicy()}
		} else {
			sp, err = s.cfg.Policies.PolicyVersion(ctx, tenant, v)
		}
	} else {
		sp, err = s.cfg.Policies.CurrentPolicy(ctx, tenant)
		var ae *apierr.Error
		if errors.As(err, &ae) && ae.Code == apierr.NotFound {
			sp, err = domain.StoredPolicy{Policy: engine.DefaultPolicy()}, nil
		}
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	// The add-in revalidates its cached copy; an unchanged policy costs a
	// 304 and no body.
	if inm := c.GetHeader("If-None-Match"); inm != "" && strings.TrimPrefix(inm, "W/") == etag(sp.Version) {
		c.Header("ETag", etag(sp.Version))
		c.Header("Cache-Control", "no-cache")
		c.Status(http.StatusNotModified)
		return
	}
	writePolicy(c, http.StatusOK, sp)
}

func writePolicy(c *gin.Context, status int, sp domain.StoredPolicy) {
	c.Header("ETag", etag(sp.Version))
	c.Header("Cache-Control", "no-cache")
	writeJSON(c, status, sp.Policy)
}

func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// putPolicy stores a new version. The body is a whole policy document,
// parsed strictly; If-Match (the ETag of the version the admin edited, or
// *) makes a concurrent edit fail with 409 instead of being lost.
func (s *Server) putPolicy(c *gin.Context) {
	p := Principal(c)
	ifVersion := int64(-1)
	if im := strings.TrimSpace(c.GetHeader("If-Match")); im != "" && im != "*" {
		v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(im, "W/"), `"`), 10, 64)
		if err != nil || v < 0 {
			WriteError(c, apierr.New(apierr.Invalid, `If-Match must be a policy ETag such as "3"`))
			return
		}
		ifVersion = v
	}
	body, err := readBody(c, s.cfg.MaxBody)
	if err != nil {
		WriteError(c, err)
		return
	}
	pol, err := engine.ParsePolicy(body)
	if err != nil {
		WriteError(c, err)
		return
	}
	// The engine must compile it too, so a stored version always works.
	if _, err := engine.New(pol); err != nil {
		WriteError(c, err)
		return
	}
	sp, err := s.cfg.Policies.PutPolicy(c.Request.Context(), p.TenantID, pol, p, ifVersion)
	if err != nil {
		WriteError(c, err)
		return
	}
	s.cfg.Engines.Invalidate(p.TenantID)
	s.log.Info("policy updated", "tenant", p.TenantID, "oid", p.ObjectID, "version", sp.Version)
	writePolicy(c, http.StatusOK, sp)
}

// policyVersion is one row of the history listing.
type policyVersion struct {
	Version   int64     `json:"version"`
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy struct {
		OID string `json:"oid"`
		UPN string `json:"upn,omitempty"`
	} `json:"createdBy"`
}

// policyHistory lists the tenant's versions, newest first; fetch one with
// GET /api/v1/policy?version=N.
func (s *Server) policyHistory(c *gin.Context) {
	hist, err := s.cfg.Policies.PolicyHistory(c.Request.Context(), Principal(c).TenantID, 0)
	if err != nil {
		WriteError(c, err)
		return
	}
	out := make([]policyVersion, len(hist))
	for i, h := range hist {
		out[i].Version, out[i].ID, out[i].CreatedAt = h.Version, h.Policy.ID, h.CreatedAt
		out[i].CreatedBy.OID, out[i].CreatedBy.UPN = h.CreatedBy.ObjectID, h.CreatedBy.UPN
	}
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusOK, gin.H{"versions": out})
}
