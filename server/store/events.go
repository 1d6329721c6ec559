package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/server/domain"
)

// MaxEventPage caps one page of events.
const MaxEventPage = 500

// AddEvent implements domain.EventStore. The caller has validated e; the
// store writes it in one statement.
func (s *Store) AddEvent(ctx context.Context, e *domain.Event) error {
	if e.CreationTime.IsZero() {
		e.CreationTime = s.now().UTC().Truncate(time.Millisecond)
	}
	rules, err := json.Marshal(nonNil(e.Rules))
	if err != nil {
		return err
	}
	ev := e.Evidence
	if ev == nil {
		ev = []engine.Evidence{}
	}
	evidence, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	var occurred sql.NullInt64
	if e.OccurredAt != nil {
		occurred = sql.NullInt64{Int64: e.OccurredAt.UnixMilli(), Valid: true}
	}
	return s.db.QueryRow(ctx, `INSERT INTO events (tenant_id, creation_time, occurred_at, user_oid, user_upn,
		workload, operation, exception_reason, action, rules, verdict_action, classification,
		policy_id, policy_version, justification, evidence, message_ref,
		client_host, client_platform, client_version, addin_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.TenantID, e.CreationTime.UnixMilli(), occurred, e.UserOID, e.UserUPN,
		e.Workload, e.Operation, e.ExceptionReason, e.Action, string(rules), e.VerdictAction, e.Classification,
		e.Policy.ID, e.Policy.Version, e.Justification, string(evidence), e.MessageRef,
		e.Client.Host, e.Client.Platform, e.Client.Version, e.Client.AddinVersion).Scan(&e.ID)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Events implements domain.EventStore.
func (s *Store) Events(ctx context.Context, tenant string, f domain.EventFilter) ([]domain.Event, int64, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxEventPage {
		limit = MaxEventPage
	}
	var (
		where = []string{"tenant_id = ?"}
		args  = []any{tenant}
	)
	if !f.From.IsZero() {
		where = append(where, "creation_time >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where = append(where, "creation_time < ?")
		args = append(args, f.To.UnixMilli())
	}
	if f.User != "" {
		where = append(where, "(user_oid = ? OR user_upn = ?)")
		args = append(args, f.User, f.User)
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, f.Action)
	}
	if f.Rule != "" {
		// Rules are a JSON array of validated rule IDs (letters and
		// hyphens), so the quoted ID cannot match across elements.
		where = append(where, "rules LIKE ?")
		args = append(args, `%"`+f.Rule+`"%`)
	}
	if f.Before > 0 {
		where = append(where, "id < ?")
		args = append(args, f.Before)
	}
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, `SELECT id, creation_time, occurred_at, user_oid, user_upn,
		workload, operation, exception_reason, action, rules, verdict_action, classification,
		policy_id, policy_version, justification, evidence, message_ref,
		client_host, client_platform, client_version, addin_version
		FROM events WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []domain.Event{}
	for rows.Next() {
		var (
			e               domain.Event
			created         int64
			occurred        sql.NullInt64
			rules, evidence string
		)
		if err := rows.Scan(&e.ID, &created, &occurred, &e.UserOID, &e.UserUPN,
			&e.Workload, &e.Operation, &e.ExceptionReason, &e.Action, &rules, &e.VerdictAction, &e.Classification,
			&e.Policy.ID, &e.Policy.Version, &e.Justification, &evidence, &e.MessageRef,
			&e.Client.Host, &e.Client.Platform, &e.Client.Version, &e.Client.AddinVersion); err != nil {
			return nil, 0, err
		}
		e.TenantID = tenant
		e.CreationTime = time.UnixMilli(created).UTC()
		if occurred.Valid {
			t := time.UnixMilli(occurred.Int64).UTC()
			e.OccurredAt = &t
		}
		if err := json.Unmarshal([]byte(rules), &e.Rules); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal([]byte(evidence), &e.Evidence); err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}
