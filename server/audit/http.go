package audit

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/engine/apierr"
	sghttp "github.com/sendguard/sendguard/server/http"
)

// Module serves findings and the breach register under /api/v1. Every
// route is for the tenant's admins: findings name staff mailboxes.
type Module struct {
	Store *Store
	now   func() time.Time
}

// Register implements the service's Module.
func (m *Module) Register(api *gin.RouterGroup, admin gin.HandlerFunc) {
	api.GET("/findings", admin, m.findings)
	api.GET("/breaches", admin, m.breaches)
	api.GET("/breaches/:id", admin, m.breach)
	api.PATCH("/breaches/:id", admin, m.patchBreach)
	api.GET("/audit/mailboxes", admin, m.mailboxes)
}

func badQuery(name, want string) error {
	return apierr.New(apierr.Invalid, "query parameter "+name+" must be "+want)
}

func parseTime(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, badQuery(name, "an RFC 3339 time or a date (2006-01-02)")
}

func parseInt(c *gin.Context, name string, lo, hi int64) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, badQuery(name, "a whole number from "+strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10))
	}
	return n, nil
}

func wantsCSV(c *gin.Context) (bool, error) {
	switch f := c.Query("format"); f {
	case "", "json":
		return false, nil
	case "csv":
		return true, nil
	default:
		return false, badQuery("format", "json or csv")
	}
}

func (m *Module) findings(c *gin.Context) {
	var f FindingFilter
	var err error
	var before, limit int64
	if f.Since, err = parseTime(c, "since"); err == nil {
		if f.Until, err = parseTime(c, "until"); err == nil {
			if before, err = parseInt(c, "before", 1, 1<<62); err == nil {
				limit, err = parseInt(c, "limit", 1, 1000)
			}
		}
	}
	asCSV, cerr := wantsCSV(c)
	if err == nil {
		err = cerr
	}
	if err != nil {
		sghttp.WriteError(c, err)
		return
	}
	f.Before, f.Limit = before, int(limit)
	f.Rule, f.Mailbox, f.Action = c.Query("rule"), c.Query("mailbox"), c.Query("action")
	if f.Action != "" && f.Action != "allow" && f.Action != "warn" && f.Action != "block" {
		sghttp.WriteError(c, badQuery("action", "allow, warn or block"))
		return
	}
	tenant := sghttp.Principal(c).TenantID
	list, next, err := m.Store.Findings(c.Request.Context(), tenant, f)
	if err != nil {
		sghttp.WriteError(c, err)
		return
	}
	writePage(c, "findings", list, next, asCSV, func(w io.Writer) error { return WriteFindingsCSV(w, list) })
}

// writePage answers one page of a listing: JSON {key: list, next} with a
// Link header to the next page, or the same rows as a CSV download.
func writePage(c *gin.Context, key string, list any, next int64, asCSV bool, writeCSV func(io.Writer) error) {
	c.Header("Cache-Control", "no-store")
	if next > 0 {
		c.Header("Link", "<"+nextURL(c, next)+`>; rel="next"`)
	}
	if asCSV {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="sendguard-`+key+`.csv"`)
		c.Status(http.StatusOK)
		_ = writeCSV(c.Writer)
		return
	}
	body := gin.H{key: list}
	if next > 0 {
		body["next"] = strconv.FormatInt(next, 10)
	}
	c.JSON(http.StatusOK, body)
}

// nextURL is the same query with before set to the cursor.
func nextURL(c *gin.Context, next int64) string {
	q := c.Request.URL.Query()
	q.Set("before", strconv.FormatInt(next, 10))
	return c.Request.URL.Path + "?" + q.Encode()
}

func (m *Module) breaches(c *gin.Context) {
	var f BreachFilter
	before, err := parseInt(c, "before", 1, 1<<62)
	var limit int64
	if err == nil {
		limit, err = parseInt(c, "limit", 1, 1000)
	}
	asCSV, cerr := wantsCSV(c)
	if err == nil {
		err = cerr
	}
	f.Status, f.Mailbox = c.Query("status"), c.Query("mailbox")
	if _, ok := transitions[f.Status]; err == nil && f.Status != "" && !ok {
		err = badQuery("status", "open, assessed, reported or closed")
	}
	if err != nil {
		sghttp.WriteError(c, err)
		return
	}
	f.Before, f.Limit = before, int(limit)
	list, next, err := m.Store.Breaches(c.Request.Context(), sghttp.Principal(c).TenantID, f)
	if err != nil {
		sghttp.WriteError(c, err)
		return
	}
	writePage(c, "breaches", list, next, asCSV, func(w io.Writer) error { return WriteBreachesCSV(w, list) })
}

func breachID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apierr.New(apierr.NotFound, "no such breach")
	}
	return id, nil
}

func (m *Module) breach(c *gin.Context) {
	id, err := breachID(c)
	if err == nil {
		var b Breach
		if b, err = m.Store.Breach(c.Request.Context(), sghttp.Principal(c).TenantID, id); err == nil {
			c.Header("Cache-Control", "no-store")
			c.JSON(http.StatusOK, b)
			return
		}
	}
	sghttp.WriteError(c, err)
}

func (m *Module) patchBreach(c *gin.Context) {
	id, err := breachID(c)
	if err != nil {
		sghttp.WriteError(c, err)
		return
	}
	var ch BreachChange
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ch); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			sghttp.WriteError(c, mbe)
			return
		}
		sghttp.WriteError(c, apierr.New(apierr.Invalid, `body must be {"status", "reason", "icoReference", "note"} (all optional, at least one of status and note)`))
		return
	}
	p := sghttp.Principal(c)
	actor := p.UPN
	if actor == "" {
		actor = p.ObjectID
	}
	if actor == "" {
		actor = "unknown"
	}
	now := time.Now
	if m.now != nil {
		now = m.now
	}
	b, err := m.Store.UpdateBreach(c.Request.Context(), p.TenantID, id, ch, strings.TrimSpace(actor), now())
	if err != nil {
		sghttp.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, b)
}

func (m *Module) mailboxes(c *gin.Context) {
	list, err := m.Store.Mailboxes(c.Request.Context(), sghttp.Principal(c).TenantID)
	if err != nil {
		sghttp.WriteError(c, err)
		return
	}
	if list == nil {
		list = []MailboxStatus{}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"mailboxes": list})
}
