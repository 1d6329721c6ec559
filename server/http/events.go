package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/domain"
)

// Event limits. The add-in's reports are small; anything bigger is not one.
const (
	maxEventBody      = 64 << 10
	maxJustification  = 500
	maxEventRules     = 16
	maxEventEvidence  = 32
	maxMaskedEvidence = 64
	// maxVisible is how many letters and digits in a row a masked value
	// may show ("5919", "SW1A", "pdf").
	maxVisible = 5
)

// eventRequest is POST /api/v1/events. Unknown fields are rejected, so a
// client cannot slip content (a subject, a body) in under another name.
type eventRequest struct {
	Action         string            `json:"action"`
	Rules          []string          `json:"rules"`
	VerdictAction  string            `json:"verdictAction"`
	Classification string            `json:"classification"`
	Justification  string            `json:"justification"`
	Evidence       []engine.Evidence `json:"evidence"`
	MessageRef     string            `json:"messageRef"`
	Policy         *engine.PolicyRef `json:"policy"`
	Client         domain.ClientInfo `json:"client"`
	OccurredAt     *time.Time        `json:"occurredAt"`
}

var knownRules = map[string]bool{
	engine.RuleBulkVisibleRecipients: true, engine.RuleInsecureRecipient: true,
	engine.RuleLookalikeRecipient: true, engine.RuleNewRecipient: true,
	engine.RuleMultiplePatients: true, engine.RuleUnencryptedAttachment: true,
	engine.RulePersonalAccount: true, engine.RuleMarketingOptOut: true,
}

var (
	eventActions    = map[string]bool{domain.EventFixed: true, domain.EventSentAnyway: true, domain.EventFalsePositive: true, domain.EventCancelled: true}
	verdictActions  = map[string]bool{engine.ActionAllow: true, engine.ActionWarn: true, engine.ActionBlock: true}
	classifications = map[string]bool{engine.Green: true, engine.Amber: true, engine.Red: true}

	slugRE       = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	phraseRE     = regexp.MustCompile(`^[a-z][a-z0-9-]*( [a-z0-9-]+){0,3}$`)
	fieldRE      = regexp.MustCompile(`^[a-z]{1,16}(:[0-9]{1,3})?$`)
	wordRE       = regexp.MustCompile(`^[A-Za-z]{0,32}$`)
	versionRE    = regexp.MustCompile(`^[0-9A-Za-z.+_-]{0,32}$`)
	policyIDRE   = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	policyVerRE  = regexp.MustCompile(`^[A-Za-z0-9._:+-]{0,80}$`)
	hexDigestRE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	b64DigestRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{43}=?$`)
	digitRunRE   = regexp.MustCompile(`[0-9](?:[\s./-]*[0-9]){4,}`)
	addressRE    = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[^\s@]+`)
	unsafeTextRE = regexp.MustCompile(`[\p{Cc}\p{Cf}]`)
)

// carriesIdentifier reports text that could hold a patient identifier or
// an address: five or more digits in a row, spaces, dots, slashes and
// dashes between them ignored (so "943 476 5919" and "01/02/1980" count),
// or anything shaped like an email address.
func carriesIdentifier(s string) bool {
	return digitRunRE.MatchString(s) || addressRE.MatchString(s)
}

// invalid is a 400 that names the field and never quotes its value.
func invalid(field, msg string) *apierr.Error {
	return apierr.New(apierr.Invalid, field+": "+msg)
}

// validate checks an event and returns the stored form.
func (r *eventRequest) validate(p domain.Principal, now time.Time) (*domain.Event, *apierr.Error) {
	if !eventActions[r.Action] {
		return nil, invalid("action", "must be one of fixed, sent-anyway, false-positive, cancelled")
	}
	if !verdictActions[r.VerdictAction] {
		return nil, invalid("verdictAction", "must be one of allow, warn, block")
	}
	if !classifications[r.Classification] {
		return nil, invalid("classification", "must be one of green, amber, red")
	}
	if len(r.Rules) > maxEventRules {
		return nil, invalid("rules", "too many rules")
	}
	rules := make([]string, 0, len(r.Rules))
	seen := map[string]bool{}
	for i, rule := range r.Rules {
		if !knownRules[rule] {
			return nil, invalid("rules["+strconv.Itoa(i)+"]", "is not a Sendguard rule ID")
		}
		if !seen[rule] {
			seen[rule] = true
			rules = append(rules, rule)
		}
	}
	j := strings.TrimSpace(r.Justification)
	switch {
	case !utf8.ValidString(j):
		return nil, invalid("justification", "is not valid UTF-8")
	case utf8.RuneCountInString(j) > maxJustification:
		return nil, invalid("justification", "is longer than "+strconv.Itoa(maxJustification)+" characters")
	case unsafeTextRE.MatchString(j):
		return nil, invalid("justification", "contains control characters")
	case carriesIdentifier(j):
		return nil, invalid("justification", "looks like it contains an identifier or an address; give the reason without patient details")
	}
	if len(r.Evidence) > maxEventEvidence {
		return nil, invalid("evidence", "too many items")
	}
	for i, ev := range r.Evidence {
		at := "evidence[" + strconv.Itoa(i) + "]"
		if !slugRE.MatchString(ev.Kind) {
			return nil, invalid(at+".kind", "must be a detector name such as nhs-number")
		}
		if !fieldRE.MatchString(ev.Field) {
			return nil, invalid(at+".field", "must be a field name such as body or attachment:0")
		}
		if !looksMasked(ev.Masked) {
			return nil, invalid(at+".masked", "must be masked evidence such as \"*** *** 1234\" or a category name")
		}
	}
	ref := strings.TrimPrefix(r.MessageRef, "sha256:")
	if r.MessageRef != "" && !hexDigestRE.MatchString(ref) && !b64DigestRE.MatchString(ref) {
		return nil, invalid("messageRef", "must be a SHA-256 digest (64 hex digits or 43 base64url characters, optionally prefixed sha256:)")
	}
	var pol engine.PolicyRef
	// The add-in sends {"id":"","version":""} when its verdict named no
	// policy (an engine failure path): that is "unknown", not invalid.
	if r.Policy != nil && (r.Policy.ID != "" || r.Policy.Version != "") {
		if !policyIDRE.MatchString(r.Policy.ID) || !policyVerRE.MatchString(r.Policy.Version) {
			return nil, invalid("policy", "id and version must be short tokens")
		}
		pol = *r.Policy
	}
	c := r.Client
	if !wordRE.MatchString(c.Host) || !wordRE.MatchString(c.Platform) {
		return nil, invalid("client", "host and platform must be single words such as Outlook and OfficeOnline")
	}
	if !versionRE.MatchString(c.Version) || !versionRE.MatchString(c.AddinVersion) {
		return nil, invalid("client", "version and addinVersion must be version numbers")
	}
	if r.OccurredAt != nil && (r.OccurredAt.Before(now.AddDate(0, 0, -30)) || r.OccurredAt.After(now.Add(24*time.Hour))) {
		return nil, invalid("occurredAt", "must be within the last 30 days")
	}
	ev := r.Evidence
	if ev == nil {
		ev = []engine.Evidence{}
	}
	e := &domain.Event{
		TenantID:       p.TenantID,
		UserOID:        p.ObjectID,
		UserUPN:        p.UPN,
		CreationTime:   now.UTC().Truncate(time.Millisecond),
		Workload:       "Outlook",
		Operation:      "DlpRuleMatch",
		Action:         r.Action,
		Rules:          rules,
		VerdictAction:  r.VerdictAction,
		Classification: r.Classification,
		Policy:         pol,
		Justification:  j,
		Evidence:       ev,
		MessageRef:     r.MessageRef,
		Client:         c,
	}
	switch r.Action {
	case domain.EventSentAnyway:
		e.ExceptionReason = "Override"
	case domain.EventFalsePositive:
		e.ExceptionReason = "FalsePositive"
	}
	if r.OccurredAt != nil {
		t := r.OccurredAt.UTC().Truncate(time.Millisecond)
		e.OccurredAt = &t
	}
	return e, nil
}

// looksMasked accepts what the engine emits as evidence: a masked value
// showing one short run of characters ("*** *** 5919", "SW1A ***",
// "**/**/1980", "*.pdf"), or a lower-case name or lexicon phrase
// ("mental-health", "one-edit", "special offer"). Two visible runs
// ("Jane Doe ***") or a long one are refused: that is not masking.
func looksMasked(s string) bool {
	if s == "" || len(s) > maxMaskedEvidence || !utf8.ValidString(s) || carriesIdentifier(s) {
		return false
	}
	if phraseRE.MatchString(s) {
		return true
	}
	if !strings.Contains(s, "*") {
		return false
	}
	runs, run := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r):
			if run == 0 {
				runs++
			}
			run++
			if run > maxVisible {
				return false
			}
		case r == '*', r == ' ', r == '/', r == '-', r == '.':
			if r == '*' || r == ' ' {
				run = 0
			}
		default:
			return false
		}
	}
	return runs <= 1
}

// decodeStrict decodes one JSON object with no unknown fields and nothing
// after it. Errors name the position or field, never the content.
func decodeStrict(body []byte, v any) *apierr.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apierr.New(apierr.Invalid, "request body is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apierr.New(apierr.Invalid, describeJSON(err))
	}
	if dec.More() {
		return apierr.New(apierr.Invalid, "request body has data after the JSON object")
	}
	if _, err := dec.Token(); err == nil {
		return apierr.New(apierr.Invalid, "request body has data after the JSON object")
	}
	return nil
}

func describeJSON(err error) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return "malformed JSON at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		f := typ.Field
		if f == "" {
			f = "body"
		}
		return "field " + strconv.Quote(f) + ": expected " + typ.Type.String()
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The field name is the client's own key, not content; still, cap it.
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if len(name) > 40 || carriesIdentifier(name) {
			return "unknown field"
		}
		return "unknown field " + name
	default:
		return "malformed JSON"
	}
}

// postEvent stores what the user did with a warning.
func (s *Server) postEvent(c *gin.Context) {
	body, err := readBody(c, min(maxEventBody, s.cfg.MaxBody))
	if err != nil {
		WriteError(c, err)
		return
	}
	var req eventRequest
	if aerr := decodeStrict(body, &req); aerr != nil {
		WriteError(c, aerr)
		return
	}
	e, aerr := req.validate(Principal(c), time.Now())
	if aerr != nil {
		WriteError(c, aerr)
		return
	}
	if err := s.cfg.Events.AddEvent(c.Request.Context(), e); err != nil {
		WriteError(c, err)
		return
	}
	s.metrics.Event(e.Action)
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusCreated, e)
}

// listEvents answers GET /api/v1/events?from&to&user&rule&action&limit&cursor.
func (s *Server) listEvents(c *gin.Context) {
	var f domain.EventFilter
	for _, tp := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if q := c.Query(tp.name); q != "" {
			t, err := time.Parse(time.RFC3339, q)
			if err != nil {
				WriteError(c, invalid(tp.name, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z"))
				return
			}
			*tp.dst = t
		}
	}
	f.User = c.Query("user")
	if len(f.User) > 256 {
		WriteError(c, invalid("user", "is too long"))
		return
	}
	if f.Rule = c.Query("rule"); f.Rule != "" && !knownRules[f.Rule] {
		WriteError(c, invalid("rule", "is not a Sendguard rule ID"))
		return
	}
	if f.Action = c.Query("action"); f.Action != "" && !eventActions[f.Action] {
		WriteError(c, invalid("action", "must be one of fixed, sent-anyway, false-positive, cancelled"))
		return
	}
	f.Limit = 100
	if q := c.Query("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 500 {
			WriteError(c, invalid("limit", "must be between 1 and 500"))
			return
		}
		f.Limit = n
	}
	if q := c.Query("cursor"); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n < 1 {
			WriteError(c, invalid("cursor", "must be the next value of a previous page"))
			return
		}
		f.Before = n
	}
	events, next, err := s.cfg.Events.Events(c.Request.Context(), Principal(c).TenantID, f)
	if err != nil {
		WriteError(c, err)
		return
	}
	resp := gin.H{"events": events}
	if next > 0 {
		resp["next"] = strconv.FormatInt(next, 10)
	}
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusOK, resp)
}
