package audit

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/history"
	"github.com/sendguard/sendguard/server/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Component is this package's name in schema_migrations.
const Component = "audit"

// Migrations are the auditor's tables, for store.Migrate.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

// ErrLeaseLost means another replica took the mailbox over (this one
// stalled past its lease); the page was not committed.
var ErrLeaseLost = errors.New("audit: mailbox lease lost to another replica")

// Store is the auditor's tables: mailbox state and leases, the ledger of
// audited messages, findings, and the breach register.
type Store struct {
	db *store.DB
	// writes serialises this process's SQLite write transactions: SQLite
	// has one writer at a time, and writers that collide back off by
	// sleeping (busy_timeout), which costs far more than waiting here.
	writes sync.Mutex
}

// lockWrites takes the write lock on SQLite; PostgreSQL needs none.
func (s *Store) lockWrites() func() {
	if s.db.Dialect != store.SQLite {
		return func() {}
	}
	s.writes.Lock()
	return s.writes.Unlock
}

// OpenStore migrates the auditor's tables.
func OpenStore(ctx context.Context, db *store.DB) (*Store, error) {
	if err := store.Migrate(ctx, db, Component, Migrations()); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// DB is the database the store uses.
func (s *Store) DB() *store.DB { return s.db }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// EnsureMailboxes records the mailboxes in scope.
func (s *Store) EnsureMailboxes(ctx context.Context, tenant string, boxes []MailboxRef) error {
	defer s.lockWrites()()
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		for _, b := range boxes {
			if _, err := tx.Exec(ctx, `INSERT INTO audit_mailboxes (tenant_id, mailbox, graph_id) VALUES (?, ?, ?)
				ON CONFLICT (tenant_id, mailbox) DO UPDATE SET graph_id = excluded.graph_id`, tenant, b.Address, b.ID); err != nil {
				return fmt.Errorf("audit: mailboxes: %w", err)
			}
		}
		return nil
	})
}

// MailboxRef names a mailbox: Graph's id for URLs, the address for people.
type MailboxRef struct {
	ID      string
	Address string
}

// AcquireLease takes the mailbox for holder until now+ttl if nobody else
// holds an unexpired lease. The conditional UPDATE is atomic in both
// databases (PostgreSQL re-checks the WHERE clause after waiting for a
// concurrent writer's row lock), so two replicas never both win.
func (s *Store) AcquireLease(ctx context.Context, tenant, mailbox, holder string, now time.Time, ttl time.Duration) (bool, error) {
	defer s.lockWrites()()
	res, err := s.db.Exec(ctx, `UPDATE audit_mailboxes SET lease_holder = ?, lease_until = ?
		WHERE tenant_id = ? AND mailbox = ? AND (lease_holder = ? OR lease_holder = '' OR lease_until < ?)`,
		holder, ms(now.Add(ttl)), tenant, mailbox, holder, ms(now))
	if err != nil {
		return false, fmt.Errorf("audit: lease: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLease gives the mailbox back, recording how the sync ended.
func (s *Store) ReleaseLease(ctx context.Context, tenant, mailbox, holder, status, lastError string, now time.Time) error {
	defer s.lockWrites()()
	_, err := s.db.Exec(ctx, `UPDATE audit_mailboxes SET lease_holder = '', lease_until = 0, status = ?, last_error = ?, synced_at = ?
		WHERE tenant_id = ? AND mailbox = ? AND lease_holder = ?`, status, lastError, ms(now), tenant, mailbox, holder)
	if err != nil {
		return fmt.Errorf("audit: release lease: %w", err)
	}
	return nil
}

// DeltaLink is where a mailbox's sync resumes ("" for a first sync).
func (s *Store) DeltaLink(ctx context.Context, tenant, mailbox string) (string, error) {
	var link string
	err := s.db.QueryRow(ctx, "SELECT delta_link FROM audit_mailboxes WHERE tenant_id = ? AND mailbox = ?", tenant, mailbox).Scan(&link)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return link, err
}

// ResetDeltaLink forgets a mailbox's delta link (Graph said the sync state
// expired); the ledger keeps the next full sync from auditing twice.
func (s *Store) ResetDeltaLink(ctx context.Context, tenant, mailbox, holder string) error {
	_, err := s.db.Exec(ctx, "UPDATE audit_mailboxes SET delta_link = '' WHERE tenant_id = ? AND mailbox = ? AND lease_holder = ?", tenant, mailbox, holder)
	return err
}

// Seen returns which of the Graph ids and internetMessageIds the ledger
// already holds for the mailbox.
func (s *Store) Seen(ctx context.Context, tenant, mailbox string, graphIDs, imids []string) (map[string]bool, error) {
	seen := map[string]bool{}
	for _, q := range []struct {
		col string
		ids []string
	}{{"graph_id", graphIDs}, {"internet_message_id", imids}} {
		for start := 0; start < len(q.ids); start += 500 {
			chunk := q.ids[start:min(start+500, len(q.ids))]
			args := []any{tenant, mailbox}
			for _, id := range chunk {
				args = append(args, id)
			}
			rows, err := s.db.Query(ctx, "SELECT "+q.col+" FROM audit_messages WHERE tenant_id = ? AND mailbox = ? AND "+q.col+
				" IN (?"+strings.Repeat(",?", len(chunk)-1)+")", args...)
			if err != nil {
				return nil, fmt.Errorf("audit: ledger: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, err
				}
				seen[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	return seen, nil
}

// Audited is one checked message on its way into the ledger.
type Audited struct {
	GraphID           string
	InternetMessageID string
	SentAt            time.Time
	Verdict           engine.Verdict
	// RecipientHashes[i] are the keyed hashes of finding i's recipients.
	RecipientHashes [][]string
	Breach          *Breach
}

// Page is what one delta page commits, all in one transaction.
type Page struct {
	Tenant, Mailbox, Holder string
	Now                     time.Time
	LeaseUntil              time.Time
	// Link is the page's nextLink or deltaLink: where to resume.
	Link     string
	Messages []Audited
	Removed  []string
	// Book is the sender's history after the page, saved with it.
	Book    *history.Book
	History *history.Store
}

// PageResult counts what a commit stored.
type PageResult struct {
	Messages, Findings, Breaches, Removed int
}

// CommitPage stores a page's ledger rows, findings, breaches, removals,
// history and resume link in one transaction, fenced by the lease: if
// this replica no longer holds the mailbox, nothing is written. A crash
// before the commit leaves the previous link, so the page is fetched and
// audited again; the ledger's unique keys make that a no-op for anything
// that did commit.
func (s *Store) CommitPage(ctx context.Context, p Page) (PageResult, error) {
	defer s.lockWrites()()
	var r PageResult
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		r = PageResult{}
		res, err := tx.Exec(ctx, `UPDATE audit_mailboxes SET delta_link = ?, lease_until = ?, status = 'syncing'
			WHERE tenant_id = ? AND mailbox = ? AND lease_holder = ?`, p.Link, ms(p.LeaseUntil), p.Tenant, p.Mailbox, p.Holder)
		if err != nil {
			return fmt.Errorf("audit: commit: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrLeaseLost
		}
		now := ms(p.Now)
		// One prepared statement for the page's ledger rows.
		ledger, err := tx.Tx.PrepareContext(ctx, s.db.Rebind(`INSERT INTO audit_messages (tenant_id, mailbox, graph_id, internet_message_id, sent_at, audited_at, action, classification)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`))
		if err != nil {
			return fmt.Errorf("audit: ledger: %w", err)
		}
		defer ledger.Close()
		for _, m := range p.Messages {
			var id int64
			err := ledger.QueryRowContext(ctx, p.Tenant, p.Mailbox, m.GraphID, m.InternetMessageID, ms(m.SentAt), now, m.Verdict.Action, m.Verdict.Classification).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue // audited before: exactly once
			}
			if err != nil {
				return fmt.Errorf("audit: ledger: %w", err)
			}
			r.Messages++
			for i, f := range m.Verdict.Findings {
				ev, _ := json.Marshal(nonNilEvidence(f.Evidence))
				var hashes []string
				if i < len(m.RecipientHashes) {
					hashes = m.RecipientHashes[i]
				}
				hj, _ := json.Marshal(nonNilStrings(hashes))
				if _, err := tx.Exec(ctx, `INSERT INTO audit_findings (message_id, tenant_id, mailbox, graph_id, internet_message_id, rule, severity,
					action, classification, sent_at, detected_at, evidence, recipient_hashes, recipient_count, policy_id, policy_version)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
					id, p.Tenant, p.Mailbox, m.GraphID, m.InternetMessageID, f.Rule, f.Severity, m.Verdict.Action, m.Verdict.Classification,
					ms(m.SentAt), now, string(ev), string(hj), len(hashes), m.Verdict.Policy.ID, m.Verdict.Policy.Version); err != nil {
					return fmt.Errorf("audit: finding: %w", err)
				}
				r.Findings++
			}
			if b := m.Breach; b != nil {
				ev, _ := json.Marshal(nonNilEvidence(b.Evidence))
				var bid int64
				err := tx.QueryRow(ctx, `INSERT INTO audit_breaches (tenant_id, message_id, mailbox, graph_id, internet_message_id, rule, rules,
					classification, detected_at, deadline_at, affected, evidence, status, updated_at, updated_by)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
					p.Tenant, id, p.Mailbox, m.GraphID, m.InternetMessageID, b.Rule, strings.Join(b.Rules, ","), b.Classification,
					now, now+int64(ICODeadline/time.Millisecond), b.Affected, string(ev), StatusOpen, now, "sendguard-auditor").Scan(&bid)
				if errors.Is(err, sql.ErrNoRows) {
					continue
				}
				if err != nil {
					return fmt.Errorf("audit: breach: %w", err)
				}
				if _, err := tx.Exec(ctx, `INSERT INTO audit_breach_events (breach_id, tenant_id, at, actor, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					bid, p.Tenant, now, "sendguard-auditor", "", StatusOpen, "opened by the Sent Items audit"); err != nil {
					return fmt.Errorf("audit: breach: %w", err)
				}
				r.Breaches++
			}
		}
		for _, gid := range p.Removed {
			res, err := tx.Exec(ctx, "UPDATE audit_messages SET removed_at = ? WHERE tenant_id = ? AND mailbox = ? AND graph_id = ? AND removed_at = 0",
				now, p.Tenant, p.Mailbox, gid)
			if err != nil {
				return fmt.Errorf("audit: removal: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				r.Removed++
			}
		}
		if r.Messages > 0 {
			if _, err := tx.Exec(ctx, "UPDATE audit_mailboxes SET messages = messages + ? WHERE tenant_id = ? AND mailbox = ?", r.Messages, p.Tenant, p.Mailbox); err != nil {
				return err
			}
		}
		if p.Book != nil && p.History != nil {
			return p.History.Save(ctx, tx, p.Book)
		}
		return nil
	})
	if err != nil {
		return PageResult{}, err
	}
	if p.Book != nil {
		p.Book.Saved()
	}
	return r, nil
}

func nonNilEvidence(e []engine.Evidence) []engine.Evidence {
	if e == nil {
		return []engine.Evidence{}
	}
	return e
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// LedgerEntry is one audited message, for tests and exports.
type LedgerEntry struct {
	Mailbox, GraphID, InternetMessageID string
	Removed                             bool
}

// Ledger lists a tenant's audited messages in insertion order.
func (s *Store) Ledger(ctx context.Context, tenant string) ([]LedgerEntry, error) {
	rows, err := s.db.Query(ctx, "SELECT mailbox, graph_id, internet_message_id, removed_at FROM audit_messages WHERE tenant_id = ? ORDER BY id", tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		var e LedgerEntry
		var removed int64
		if err := rows.Scan(&e.Mailbox, &e.GraphID, &e.InternetMessageID, &removed); err != nil {
			return nil, err
		}
		e.Removed = removed != 0
		out = append(out, e)
	}
	return out, rows.Err()
}

// MailboxStatus is one mailbox's sync state.
type MailboxStatus struct {
	Mailbox   string    `json:"mailbox"`
	Status    string    `json:"status"`
	LastError string    `json:"lastError,omitempty"`
	SyncedAt  time.Time `json:"syncedAt"`
	Messages  int64     `json:"messages"`
}

// Mailboxes lists a tenant's mailbox states.
func (s *Store) Mailboxes(ctx context.Context, tenant string) ([]MailboxStatus, error) {
	rows, err := s.db.Query(ctx, "SELECT mailbox, status, last_error, synced_at, messages FROM audit_mailboxes WHERE tenant_id = ? ORDER BY mailbox", tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MailboxStatus
	for rows.Next() {
		var m MailboxStatus
		var at int64
		if err := rows.Scan(&m.Mailbox, &m.Status, &m.LastError, &at, &m.Messages); err != nil {
			return nil, err
		}
		m.SyncedAt = fromMS(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

var errNotFound = apierr.New(apierr.NotFound, "no such breach")

// Open migrates and opens the auditor's and the history's stores on db.
// historyKey is SENDGUARD_HISTORY_KEY's secret, or nil for the stored key.
func Open(ctx context.Context, db *store.DB, historyKey []byte) (*Store, *history.Store, error) {
	st, err := OpenStore(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	hist, err := history.Open(ctx, db, historyKey)
	if err != nil {
		return nil, nil, err
	}
	return st, hist, nil
}
