package audit

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/address"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/store"
)

// ICODeadline is how long a controller has to report a personal data
// breach to the ICO after becoming aware of it (UK GDPR Article 33).
const ICODeadline = 72 * time.Hour

// Breach statuses. A record moves open → assessed (not reportable, with a
// reason) or reported (to the ICO, with its reference) → closed.
const (
	StatusOpen     = "open"
	StatusAssessed = "assessed"
	StatusReported = "reported"
	StatusClosed   = "closed"
)

// transitions lists where each status may go.
var transitions = map[string][]string{
	StatusOpen:     {StatusAssessed, StatusReported},
	StatusAssessed: {StatusReported, StatusClosed},
	StatusReported: {StatusClosed},
	StatusClosed:   {},
}

// Breach is one record in the breach register.
type Breach struct {
	ID                int64  `json:"id"`
	Mailbox           string `json:"mailbox"`
	GraphID           string `json:"graphId"`
	InternetMessageID string `json:"internetMessageId"`
	// Rule is the finding that made the breach likely reportable; Rules
	// every such finding on the message.
	Rule           string            `json:"rule"`
	Rules          []string          `json:"rules"`
	Classification string            `json:"classification"`
	DetectedAt     time.Time         `json:"detectedAt"`
	Deadline       time.Time         `json:"icoDeadline"`
	Affected       int               `json:"affected"`
	Evidence       []engine.Evidence `json:"evidence"`
	Status         string            `json:"status"`
	Reason         string            `json:"reason,omitempty"`
	ICOReference   string            `json:"icoReference,omitempty"`
	Notes          string            `json:"notes,omitempty"`
	UpdatedAt      time.Time         `json:"updatedAt"`
	UpdatedBy      string            `json:"updatedBy"`
	// Events is the audit trail, oldest first (single-record reads only).
	Events []BreachEvent `json:"events,omitempty"`
}

// BreachEvent is one change to a breach record.
type BreachEvent struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Note  string    `json:"note,omitempty"`
}

// identifierKinds are evidence kinds that each name one person.
var identifierKinds = map[string]bool{"nhs-number": true, "chi-number": true, "hc-number": true, "nino": true}

// insecureRules are findings that mean data left insecurely.
var insecureRules = map[string]bool{
	engine.RuleInsecureRecipient:     true,
	engine.RuleUnencryptedAttachment: true,
	engine.RulePersonalAccount:       true,
}

// AssessBreach decides whether a verdict is likely reportable under the
// policy: patients' addresses exposed to each other (a bulk-visible
// finding naming at least Breach.MinExposedPatients personal webmail
// addresses, the engine's sign of a patient), or red or amber data sent
// insecurely when Breach.RedInsecure or AmberInsecure say so. It returns
// nil otherwise. Other external addresses exposed to each other (partners,
// suppliers) stay findings: they are rarely a reportable breach.
func AssessBreach(p engine.Policy, v engine.Verdict) *Breach {
	bp := p.Breach
	var b *Breach
	consider := func(f engine.Finding, affected int) {
		if b == nil {
			b = &Breach{Rule: f.Rule, Classification: v.Classification, Affected: affected}
		} else if affected > b.Affected {
			b.Rule, b.Affected = f.Rule, affected
		}
		b.Rules = append(b.Rules, f.Rule)
		for _, e := range f.Evidence {
			if !slices.Contains(b.Evidence, e) {
				b.Evidence = append(b.Evidence, e)
			}
		}
	}
	for _, f := range v.Findings {
		switch {
		case f.Rule == engine.RuleBulkVisibleRecipients:
			if exposed := personal(p, f.Recipients); bp.MinExposedPatients > 0 && exposed >= bp.MinExposedPatients {
				consider(f, exposed)
			}
		case insecureRules[f.Rule]:
			if (v.Classification == engine.Red && bp.RedInsecure) || (v.Classification == engine.Amber && bp.AmberInsecure) {
				consider(f, patients(v))
			}
		}
	}
	return b
}

// personal counts addresses at the policy's personal webmail domains.
func personal(p engine.Policy, addrs []string) int {
	n := 0
	for _, raw := range addrs {
		if a, ok := address.Normalize(raw); ok {
			if _, d := address.Split(a); address.InDomains(d, p.PersonalDomains) {
				n++
			}
		}
	}
	return n
}

// patients counts distinct identifiers in the evidence (at least one: the
// content was classified as identifying someone).
func patients(v engine.Verdict) int {
	seen := map[string]bool{}
	for _, f := range v.Findings {
		for _, e := range f.Evidence {
			if identifierKinds[e.Kind] {
				seen[e.Kind+e.Masked] = true
			}
		}
	}
	return max(1, len(seen))
}

// BreachFilter narrows a breach listing.
type BreachFilter struct {
	Status  string
	Mailbox string
	Before  int64
	Limit   int
}

const breachColumns = `id, mailbox, graph_id, internet_message_id, rule, rules, classification, detected_at, deadline_at, affected,
	evidence, status, reason, ico_reference, notes, updated_at, updated_by`

type scanner interface{ Scan(...any) error }

func scanBreach(r scanner) (Breach, error) {
	var b Breach
	var rules, ev string
	var det, dl, up int64
	err := r.Scan(&b.ID, &b.Mailbox, &b.GraphID, &b.InternetMessageID, &b.Rule, &rules, &b.Classification, &det, &dl, &b.Affected,
		&ev, &b.Status, &b.Reason, &b.ICOReference, &b.Notes, &up, &b.UpdatedBy)
	if err != nil {
		return b, err
	}
	b.Rules = strings.Split(rules, ",")
	b.DetectedAt, b.Deadline, b.UpdatedAt = fromMS(det), fromMS(dl), fromMS(up)
	_ = json.Unmarshal([]byte(ev), &b.Evidence)
	return b, nil
}

// Breaches lists a tenant's breach records newest first.
func (s *Store) Breaches(ctx context.Context, tenant string, f BreachFilter) ([]Breach, int64, error) {
	q := "SELECT " + breachColumns + " FROM audit_breaches WHERE tenant_id = ?"
	args := []any{tenant}
	if f.Status != "" {
		q += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Mailbox != "" {
		q += " AND mailbox = ?"
		args = append(args, strings.ToLower(f.Mailbox))
	}
	if f.Before > 0 {
		q += " AND id < ?"
		args = append(args, f.Before)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	q += " ORDER BY id DESC"
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit+1)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: breaches: %w", err)
	}
	defer rows.Close()
	out := []Breach{}
	for rows.Next() {
		b, err := scanBreach(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	out, next := page(out, limit, func(x Breach) int64 { return x.ID })
	return out, next, nil
}

// Breach reads one record with its audit trail.
func (s *Store) Breach(ctx context.Context, tenant string, id int64) (Breach, error) {
	b, err := scanBreach(s.db.QueryRow(ctx, "SELECT "+breachColumns+" FROM audit_breaches WHERE tenant_id = ? AND id = ?", tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Breach{}, errNotFound
	}
	if err != nil {
		return Breach{}, err
	}
	rows, err := s.db.Query(ctx, "SELECT at, actor, from_status, to_status, note FROM audit_breach_events WHERE breach_id = ? ORDER BY id", id)
	if err != nil {
		return Breach{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var e BreachEvent
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.From, &e.To, &e.Note); err != nil {
			return Breach{}, err
		}
		e.At = fromMS(at)
		b.Events = append(b.Events, e)
	}
	return b, rows.Err()
}

// BreachChange is a PATCH: a new status (with its reason or ICO
// reference), or just a note.
type BreachChange struct {
	Status       string `json:"status,omitempty"`
	Reason       string `json:"reason,omitempty"`
	ICOReference string `json:"icoReference,omitempty"`
	Note         string `json:"note,omitempty"`
}

// maxText caps free-text fields.
const maxText = 2000

// UpdateBreach applies a change by actor. Invalid transitions are
// apierr.Conflict (409); missing reasons and references are apierr.Invalid.
func (s *Store) UpdateBreach(ctx context.Context, tenant string, id int64, c BreachChange, actor string, now time.Time) (Breach, error) {
	if c.Status == "" && c.Note == "" {
		return Breach{}, apierr.New(apierr.Invalid, "give a status or a note")
	}
	if _, ok := transitions[c.Status]; c.Status != "" && !ok {
		return Breach{}, apierr.New(apierr.Invalid, "status must be one of open, assessed, reported, closed")
	}
	for _, t := range []string{c.Reason, c.ICOReference, c.Note} {
		if len(t) > maxText {
			return Breach{}, apierr.New(apierr.Invalid, "reason, icoReference and note are limited to 2000 characters")
		}
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.LockTenant(ctx, "audit-breach", tenant); err != nil {
			return err
		}
		var status, notes string
		err := tx.QueryRow(ctx, "SELECT status, notes FROM audit_breaches WHERE tenant_id = ? AND id = ?", tenant, id).Scan(&status, &notes)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		to := status
		if c.Status != "" && c.Status != status {
			allowed := false
			for _, n := range transitions[status] {
				allowed = allowed || n == c.Status
			}
			if !allowed {
				return apierr.New(apierr.Conflict, fmt.Sprintf("a breach that is %s cannot become %s", status, c.Status))
			}
			to = c.Status
			switch {
			case to == StatusAssessed && strings.TrimSpace(c.Reason) == "":
				return apierr.New(apierr.Invalid, "assessed needs a reason (why the breach is not reportable)")
			case to == StatusReported && strings.TrimSpace(c.ICOReference) == "":
				return apierr.New(apierr.Invalid, "reported needs icoReference (the ICO's case reference)")
			}
		} else if c.Status == status && c.Note == "" {
			return apierr.New(apierr.Conflict, "the breach is already "+status)
		}
		if c.Note != "" {
			if notes != "" {
				notes += "\n"
			}
			notes += now.UTC().Format(time.RFC3339) + " " + actor + ": " + c.Note
		}
		q := "UPDATE audit_breaches SET status = ?, notes = ?, updated_at = ?, updated_by = ?"
		args := []any{to, notes, ms(now), actor}
		if c.Reason != "" {
			q += ", reason = ?"
			args = append(args, c.Reason)
		}
		if c.ICOReference != "" {
			q += ", ico_reference = ?"
			args = append(args, c.ICOReference)
		}
		q += " WHERE tenant_id = ? AND id = ?"
		args = append(args, tenant, id)
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
		note := c.Note
		if c.Reason != "" {
			note = strings.TrimSpace("reason: " + c.Reason + " " + note)
		}
		if c.ICOReference != "" {
			note = strings.TrimSpace("ICO reference: " + c.ICOReference + " " + note)
		}
		_, err = tx.Exec(ctx, "INSERT INTO audit_breach_events (breach_id, tenant_id, at, actor, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, tenant, ms(now), actor, status, to, note)
		return err
	})
	if err != nil {
		return Breach{}, err
	}
	return s.Breach(ctx, tenant, id)
}

// BreachesCSVHeader is the CSV export's header row.
var BreachesCSVHeader = []string{"id", "detected_at", "ico_deadline", "status", "rule", "rules", "classification", "affected",
	"mailbox", "evidence", "reason", "ico_reference", "updated_at", "updated_by", "graph_id", "internet_message_id"}

// WriteBreachesCSV writes breach records as CSV with a header.
func WriteBreachesCSV(w io.Writer, bs []Breach) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(BreachesCSVHeader); err != nil {
		return err
	}
	for _, b := range bs {
		rec := []string{strconv.FormatInt(b.ID, 10), b.DetectedAt.Format(time.RFC3339), b.Deadline.Format(time.RFC3339), b.Status,
			b.Rule, strings.Join(b.Rules, ";"), b.Classification, strconv.Itoa(b.Affected), b.Mailbox, maskedList(b.Evidence),
			b.Reason, b.ICOReference, b.UpdatedAt.Format(time.RFC3339), b.UpdatedBy, b.GraphID, b.InternetMessageID}
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
