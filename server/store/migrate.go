package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrate applies a component's embedded migrations that have not run
// yet, each in its own transaction together with its row in
// schema_migrations (keyed by component and version), so a crash leaves
// either all of a migration or none of it.
//
// fsys holds files at its root named NNN_description.sql (both
// dialects), or NNN_description.sqlite.sql and NNN_description.postgres.sql
// (one per dialect). NNN is the version; versions apply in order. A
// component owns its tables and should key every one by tenant_id.
//
// Several replicas may start at once on PostgreSQL: an advisory lock makes
// them take turns.
func Migrate(ctx context.Context, db *DB, component string, fsys fs.FS) error {
	if component == "" {
		return fmt.Errorf("migrate: component name is empty")
	}
	steps, err := migrationSteps(fsys, db.Dialect)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL,
		version INTEGER NOT NULL,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL,
		PRIMARY KEY (component, version))`); err != nil {
		// Two replicas creating the table at once: one wins, the other
		// sees it exists on retry.
		if _, err2 := db.Exec(ctx, "SELECT 1 FROM schema_migrations WHERE 1=0"); err2 != nil {
			return fmt.Errorf("migrate %s: create schema_migrations: %w", component, err)
		}
	}
	for _, s := range steps {
		err := db.Tx(ctx, func(tx *Tx) error {
			if err := tx.LockTenant(ctx, "migrate", component); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE component = ? AND version = ?", component, s.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Tx.ExecContext(ctx, s.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
				component, s.version, s.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %s: %w", component, s.name, err)
		}
	}
	return nil
}

type migrationStep struct {
	version int64
	name    string
	sql     string
}

// migrationSteps lists the files for the dialect in version order, a
// dialect-specific file winning over a shared one of the same version.
func migrationSteps(fsys fs.FS, d Dialect) ([]migrationStep, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	byVersion := map[int64]migrationStep{}
	specific := map[int64]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		base := strings.TrimSuffix(name, ".sql")
		isSpecific := false
		switch {
		case strings.HasSuffix(base, ".sqlite"), strings.HasSuffix(base, ".postgres"):
			if path.Ext(base) != "."+string(d) {
				continue
			}
			isSpecific = true
		}
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: name must start with a positive version number and _", name)
		}
		if _, dup := byVersion[v]; dup && specific[v] == isSpecific {
			return nil, fmt.Errorf("migration version %d appears twice", v)
		}
		if specific[v] && !isSpecific {
			continue
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		byVersion[v] = migrationStep{version: v, name: name, sql: string(body)}
		specific[v] = isSpecific
	}
	steps := make([]migrationStep, 0, len(byVersion))
	for _, s := range byVersion {
		steps = append(steps, s)
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].version < steps[j].version })
	return steps, nil
}
