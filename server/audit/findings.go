package audit

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sendguard/sendguard/engine"
)

// Finding is one stored finding: what rule fired on which message, with
// masked evidence and hashed recipients. It never holds a subject, a body
// or an identifier in the clear.
type Finding struct {
	ID                int64             `json:"id"`
	Mailbox           string            `json:"mailbox"`
	GraphID           string            `json:"graphId"`
	InternetMessageID string            `json:"internetMessageId"`
	Rule              string            `json:"rule"`
	Severity          string            `json:"severity"`
	Action            string            `json:"action"`
	Classification    string            `json:"classification"`
	SentAt            time.Time         `json:"sentAt"`
	DetectedAt        time.Time         `json:"detectedAt"`
	Evidence          []engine.Evidence `json:"evidence"`
	// RecipientHashes are HMAC-SHA256 of the finding's recipients under
	// the deployment's history key: countable and joinable, not readable.
	RecipientHashes []string         `json:"recipientHashes"`
	RecipientCount  int              `json:"recipientCount"`
	Policy          engine.PolicyRef `json:"policy"`
}

// FindingFilter narrows a listing. Zero values do not filter.
type FindingFilter struct {
	Since, Until time.Time
	Rule         string
	Mailbox      string
	Action       string
	// Before is the paging cursor: only findings with ID < Before.
	Before int64
	// Limit caps the page (1..1000, default 100); -1 means no limit (CLI
	// exports).
	Limit int
}

// Findings lists a tenant's findings newest first; next is the cursor for
// the following page (0 when none).
func (s *Store) Findings(ctx context.Context, tenant string, f FindingFilter) ([]Finding, int64, error) {
	q := strings.Builder{}
	q.WriteString(`SELECT id, mailbox, graph_id, internet_message_id, rule, severity, action, classification, sent_at, detected_at,
		evidence, recipient_hashes, recipient_count, policy_id, policy_version FROM audit_findings WHERE tenant_id = ?`)
	args := []any{tenant}
	add := func(cond string, v any) {
		q.WriteString(" AND " + cond)
		args = append(args, v)
	}
	if !f.Since.IsZero() {
		add("detected_at >= ?", ms(f.Since))
	}
	if !f.Until.IsZero() {
		add("detected_at < ?", ms(f.Until))
	}
	if f.Rule != "" {
		add("rule = ?", f.Rule)
	}
	if f.Mailbox != "" {
		add("mailbox = ?", strings.ToLower(f.Mailbox))
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	q.WriteString(" ORDER BY id DESC")
	if limit > 0 {
		q.WriteString(" LIMIT " + strconv.Itoa(limit+1))
	}
	rows, err := s.db.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: findings: %w", err)
	}
	defer rows.Close()
	out := []Finding{}
	for rows.Next() {
		var x Finding
		var sent, det int64
		var ev, hs string
		if err := rows.Scan(&x.ID, &x.Mailbox, &x.GraphID, &x.InternetMessageID, &x.Rule, &x.Severity, &x.Action, &x.Classification,
			&sent, &det, &ev, &hs, &x.RecipientCount, &x.Policy.ID, &x.Policy.Version); err != nil {
			return nil, 0, err
		}
		x.SentAt, x.DetectedAt = fromMS(sent), fromMS(det)
		_ = json.Unmarshal([]byte(ev), &x.Evidence)
		_ = json.Unmarshal([]byte(hs), &x.RecipientHashes)
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	out, next := page(out, limit, func(x Finding) int64 { return x.ID })
	return out, next, nil
}

// page trims a query that fetched limit+1 rows to limit, and returns the
// cursor of the next page (the last kept row's id), or 0 when there is none.
func page[T any](rows []T, limit int, id func(T) int64) ([]T, int64) {
	if limit <= 0 || len(rows) <= limit {
		return rows, 0
	}
	rows = rows[:limit]
	return rows, id(rows[limit-1])
}

// maskedList renders evidence for a CSV cell: "kind@field=masked; ...".
func maskedList(ev []engine.Evidence) string {
	parts := make([]string, len(ev))
	for i, e := range ev {
		parts[i] = e.Kind + "@" + e.Field + "=" + e.Masked
	}
	return strings.Join(parts, "; ")
}

// csvSafe defuses spreadsheet formulas: a cell starting with = + - @ is
// prefixed with a quote, as OWASP advises for CSV exports.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// FindingsCSVHeader is the CSV export's header row.
var FindingsCSVHeader = []string{"id", "detected_at", "sent_at", "mailbox", "rule", "severity", "action", "classification",
	"recipient_count", "evidence", "graph_id", "internet_message_id", "policy_id", "policy_version"}

// WriteFindingsCSV writes findings as CSV with a header.
func WriteFindingsCSV(w io.Writer, fs []Finding) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(FindingsCSVHeader); err != nil {
		return err
	}
	for _, f := range fs {
		rec := []string{strconv.FormatInt(f.ID, 10), f.DetectedAt.Format(time.RFC3339), f.SentAt.Format(time.RFC3339), f.Mailbox,
			f.Rule, f.Severity, f.Action, f.Classification, strconv.Itoa(f.RecipientCount), maskedList(f.Evidence),
			f.GraphID, f.InternetMessageID, f.Policy.ID, f.Policy.Version}
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
