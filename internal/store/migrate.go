package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one numbered change to the store's schema. Migrations run in order,
// each once, in the transaction that opens the store, and each is recorded in
// schema_migrations with when it ran: a store knows which schema it has, and a
// binary refuses a store migrated by a newer one. A change to the schema is a new
// migration at the end of the list, never an edit of one that has shipped.
type migration struct {
	version int
	name    string
	apply   func(s *Store, ctx context.Context, tx *sql.Tx) error
}

// migrations are the store's schema, from the first.
var migrations = []migration{
	{1, "the schema of v0.1.0", (*Store).baseline},
	{2, "batch rows indexed by outcome", (*Store).indexBatchOutcomes},
	{3, "the long-term track counted in the figures", (*Store).recountLongTermFacts},
	{4, "a restore's check of the workflows started or moved since its copy", (*Store).addRestoreChecks},
}

const migrationsSchema = `
CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// NewerSchemaError says the store was migrated by a newer rectify than this one: its
// schema may hold what this binary does not know how to keep up to date.
type NewerSchemaError struct {
	Store, Known int
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("the store's schema is at version %d, which a newer rectify made; this one knows up to version %d: run the newer release, or restore the backup taken before the upgrade",
		e.Store, e.Known)
}

// applyMigrations runs the migrations the store has not had, in tx.
func (s *Store) applyMigrations(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, migrationsSchema); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	known := LatestSchemaVersion()
	if have > known {
		return &NewerSchemaError{Store: have, Known: known}
	}
	for _, m := range migrations[have:] {
		if err := m.apply(s, ctx, tx); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("record migration %d: %w", m.version, err)
		}
	}
	return nil
}

// SchemaVersion is the last migration the store has had.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// baseline is the schema v0.1.0 created at every start, before migrations were
// numbered: every table and index, the append-only guards, the columns added over
// time. Every statement is idempotent, so a store made by any earlier build comes
// out of it whole, and is then at version 1.
func (s *Store) baseline(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, s.d.schema.Replace(schema+problemSchema+batchSchema+bulkSchema+sessionSchema+countSchema+outboxSchema+projectionSchema+campaignChangeSchema+payloadKeySchema+auditSchema+attachmentSchema+publicationSchema+deliverySchema)); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.d.schema.Replace(reportSchema)); err != nil {
		return fmt.Errorf("create schema: reports: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.d.schema.Replace(userSchema)); err != nil {
		return fmt.Errorf("create schema: users: %w", err)
	}
	for _, table := range []string{"audit_log", "publications"} {
		if _, err := tx.ExecContext(ctx, s.d.appendOnly(table)); err != nil {
			return fmt.Errorf("make %s append-only: %w", table, err)
		}
	}
	if err := s.addColumns(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.d.triageIndex); err != nil {
		return fmt.Errorf("create the triage index: %w", err)
	}
	return nil
}

// indexBatchOutcomes indexes a batch's rows by outcome. A batch's progress counts
// its rows by outcome on every read (exact whatever was retried); each row also
// holds its opinion, so without the index every read of a 100,000-row import's
// progress read all of them: an eighth of the CPU of such an import while an office
// watched it (docs/performance.md).
func (s *Store) indexBatchOutcomes(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS batch_rows_outcome ON batch_rows (batch_id, outcome)`)
	return err
}

// recountLongTermFacts drops the facts of the opinions on the long-term track,
// which were written before the track was a figure of its own: the rebuild that
// follows every migration computes them again, with the track counted.
func (s *Store) recountLongTermFacts(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM opinion_facts WHERE opinion_id IN
	(SELECT id FROM opinions WHERE doc LIKE '%"long_term":true%')`)
	return err
}

// addRestoreChecks keeps the restores whose workflows the reconciler has still to
// check (recheck.go).
func (s *Store) addRestoreChecks(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, restoreCheckSchema)
	return err
}

// LatestSchemaVersion is the version a store has once this binary opened it.
func LatestSchemaVersion() int { return migrations[len(migrations)-1].version }
