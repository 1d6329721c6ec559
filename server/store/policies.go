package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"strconv"
	"time"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/domain"
)

//go:embed migrations/*.sql
var coreMigrations embed.FS

// CoreComponent is the component name of the tables this package owns.
const CoreComponent = "core"

// MigrateCore applies the core tables' migrations (policies, events).
func MigrateCore(ctx context.Context, db *DB) error {
	sub, err := fs.Sub(coreMigrations, "migrations")
	if err != nil {
		return err
	}
	return Migrate(ctx, db, CoreComponent, sub)
}

// Store implements domain.PolicyStore and domain.EventStore.
type Store struct {
	db  *DB
	now func() time.Time
}

var (
	_ domain.PolicyStore = (*Store)(nil)
	_ domain.EventStore  = (*Store)(nil)
)

// New returns a Store over an open, migrated database.
func New(db *DB) *Store { return &Store{db: db, now: time.Now} }

// DB is the underlying database.
func (s *Store) DB() *DB { return s.db }

// CurrentPolicyVersion implements domain.PolicyStore.
func (s *Store) CurrentPolicyVersion(ctx context.Context, tenant string) (int64, error) {
	var v sql.NullInt64
	err := s.db.QueryRow(ctx, "SELECT MAX(version) FROM policies WHERE tenant_id = ?", tenant).Scan(&v)
	if err != nil {
		return 0, err
	}
	return v.Int64, nil
}

// CurrentPolicy implements domain.PolicyStore.
func (s *Store) CurrentPolicy(ctx context.Context, tenant string) (domain.StoredPolicy, error) {
	v, err := s.CurrentPolicyVersion(ctx, tenant)
	if err != nil {
		return domain.StoredPolicy{}, err
	}
	if v == 0 {
		return domain.StoredPolicy{}, apierr.New(apierr.NotFound, "the tenant has no policy of its own")
	}
	return s.PolicyVersion(ctx, tenant, v)
}

// PolicyVersion implements domain.PolicyStore.
func (s *Store) PolicyVersion(ctx context.Context, tenant string, version int64) (domain.StoredPolicy, error) {
	row := s.db.QueryRow(ctx, `SELECT version, document, created_at, created_by_oid, created_by_upn
		FROM policies WHERE tenant_id = ? AND version = ?`, tenant, version)
	sp, err := scanPolicy(row, tenant)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.StoredPolicy{}, apierr.New(apierr.NotFound, "no such policy version")
	}
	return sp, err
}

type scanner interface{ Scan(dest ...any) error }

func scanPolicy(row scanner, tenant string) (domain.StoredPolicy, error) {
	var (
		sp       domain.StoredPolicy
		doc      string
		created  int64
		oid, upn string
	)
	if err := row.Scan(&sp.Version, &doc, &created, &oid, &upn); err != nil {
		return sp, err
	}
	if err := json.Unmarshal([]byte(doc), &sp.Policy); err != nil {
		return sp, err
	}
	sp.Policy.Version = strconv.FormatInt(sp.Version, 10)
	sp.CreatedAt = time.UnixMilli(created).UTC()
	sp.CreatedBy = domain.Principal{TenantID: tenant, ObjectID: oid, UPN: upn}
	return sp, nil
}

// PutPolicy implements domain.PolicyStore.
func (s *Store) PutPolicy(ctx context.Context, tenant string, p engine.Policy, by domain.Principal, ifVersion int64) (domain.StoredPolicy, error) {
	var out domain.StoredPolicy
	err := s.db.Tx(ctx, func(tx *Tx) error {
		if err := tx.LockTenant(ctx, "policies", tenant); err != nil {
			return err
		}
		var cur sql.NullInt64
		if err := tx.QueryRow(ctx, "SELECT MAX(version) FROM policies WHERE tenant_id = ?", tenant).Scan(&cur); err != nil {
			return err
		}
		if ifVersion >= 0 && cur.Int64 != ifVersion {
			return apierr.New(apierr.Conflict, "the policy is at version "+strconv.FormatInt(cur.Int64, 10)+
				", not the version in If-Match; reload it and apply your change again")
		}
		next := cur.Int64 + 1
		p.Version = strconv.FormatInt(next, 10)
		doc, err := json.Marshal(p)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		if _, err := tx.Exec(ctx, `INSERT INTO policies (tenant_id, version, document, created_at, created_by_oid, created_by_upn)
			VALUES (?, ?, ?, ?, ?, ?)`, tenant, next, string(doc), now.UnixMilli(), by.ObjectID, by.UPN); err != nil {
			return err
		}
		out = domain.StoredPolicy{Version: next, Policy: p, CreatedAt: now,
			CreatedBy: domain.Principal{TenantID: tenant, ObjectID: by.ObjectID, UPN: by.UPN}}
		return nil
	})
	return out, err
}

// PolicyHistory implements domain.PolicyStore.
func (s *Store) PolicyHistory(ctx context.Context, tenant string, limit int) ([]domain.StoredPolicy, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.Query(ctx, `SELECT version, document, created_at, created_by_oid, created_by_upn
		FROM policies WHERE tenant_id = ? ORDER BY version DESC LIMIT ?`, tenant, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.StoredPolicy{}
	for rows.Next() {
		sp, err := scanPolicy(rows, tenant)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, rows.Err()
}
