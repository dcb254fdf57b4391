package store_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/store"
)

// firstSchema is the reporting store as its first release created it: the
// opinions and their timeline, none of the columns and tables added since.
const firstSchema = `
CREATE TABLE campaigns (id TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE opinions (
	id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, category TEXT NOT NULL,
	department TEXT NOT NULL, official TEXT NOT NULL, leader TEXT NOT NULL, deadline TEXT NOT NULL,
	overdue_level TEXT NOT NULL, urgency INTEGER NOT NULL, level_rank INTEGER NOT NULL, on_time INTEGER NOT NULL,
	satisfaction TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, closed_at BIGINT NOT NULL,
	revision INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE events (
	opinion_id TEXT NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
	from_state TEXT NOT NULL, to_state TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
	PRIMARY KEY (opinion_id, seq));
INSERT INTO campaigns VALUES ('c1', '整改', '{"id":"c1","name":"整改"}', 1700000000000);
INSERT INTO opinions VALUES ('o1', 'c1', 'K-1', 'received', '', '', '', '', '', 'none', 1, 0, 0, '',
	1700000000000, 1700000000000, 0, 1, '{"id":"o1","campaign_id":"c1","key":"K-1","state":"received","revision":1}');
INSERT INTO events VALUES ('o1', 1, 1700000000000, 'office', 'submit', '', 'received', '', 'null');
`

// createFirstSchema makes db a store of the first release's schema, with a row in
// each of its tables.
func createFirstSchema(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, stmt := range strings.Split(firstSchema, ";\n") {
		if strings.TrimSpace(stmt) != "" {
			_, err := db.ExecContext(context.Background(), stmt)
			require.NoError(t, err, stmt)
		}
	}
}

// A store of the first release's schema, on either database, migrates in place
// when a current rectify opens it: every migration applied in order and recorded,
// its rows kept and readable; a store a newer rectify migrated is refused.
func TestAnOldSchemaMigratesInPlace(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.start(t).dsn(t)
			driver := "sqlite"
			if store.IsPostgres(dsn) {
				driver = "pgx"
			}
			raw, err := sql.Open(driver, dsn)
			require.NoError(t, err)
			defer raw.Close()
			ctx := context.Background()
			createFirstSchema(t, raw)

			s, err := store.Open(dsn)
			require.NoError(t, err, "the old store migrates")
			v, err := s.SchemaVersion(ctx)
			require.NoError(t, err)
			require.Equal(t, store.LatestSchemaVersion(), v)
			o, err := s.Opinion(ctx, "o1")
			require.NoError(t, err, "its opinion is still there")
			require.Equal(t, "K-1", o.Key)
			require.Len(t, o.Timeline, 1)
			var applied int
			require.NoError(t, raw.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied))
			require.Equal(t, store.LatestSchemaVersion(), applied, "each migration recorded once")
			require.NoError(t, s.Close())

			// Opening again applies nothing more.
			s, err = store.Open(dsn)
			require.NoError(t, err)
			require.NoError(t, s.Close())
			require.NoError(t, raw.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied))
			require.Equal(t, store.LatestSchemaVersion(), applied)

			_, err = raw.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)`)
			require.NoError(t, err)
			_, err = store.Open(dsn)
			var newer *store.NewerSchemaError
			require.ErrorAs(t, err, &newer, "a store a newer rectify migrated is refused")
			require.Equal(t, 999, newer.Store)
		})
	}
}

// TestAMigratedStoreHasTheSchemaOfANewOne opens stores older releases made — the
// first schema, and the reporting store of each release's data folder the upgrade
// test keeps (worker/testdata/upgrade) — and requires each to end with exactly the
// schema of a store created new: the same tables with the same columns in the same
// order, the same indexes and the same triggers. Migration 1 runs the schema
// constants of today's code, which a store a release made at version 1 never runs
// again: an edit of those constants, instead of a new migration, gives a new store
// what no upgraded one has, and fails here.
func TestAMigratedStoreHasTheSchemaOfANewOne(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "rectify.db")
	want := sqliteSchema(t, fresh)

	t.Run("first schema", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "rectify.db")
		raw, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		createFirstSchema(t, raw)
		require.NoError(t, raw.Close())
		requireSameSchema(t, want, sqliteSchema(t, path))
	})
	fixtures, err := filepath.Glob(filepath.Join("..", "..", "worker", "testdata", "upgrade", "*.tar.gz"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures, "the upgrade test's data folders")
	for _, fixture := range fixtures {
		t.Run(strings.TrimSuffix(filepath.Base(fixture), ".tar.gz"), func(t *testing.T) {
			path := extractStore(t, fixture, t.TempDir())
			requireSameSchema(t, want, sqliteSchema(t, path))
		})
	}
}

// requireSameSchema fails with what only one of the two schemas has, not the
// hundreds of lines both share.
func requireSameSchema(t *testing.T, fresh, migrated []string) {
	t.Helper()
	var onlyFresh, onlyMigrated []string
	for _, f := range fresh {
		if !slices.Contains(migrated, f) {
			onlyFresh = append(onlyFresh, f)
		}
	}
	for _, f := range migrated {
		if !slices.Contains(fresh, f) {
			onlyMigrated = append(onlyMigrated, f)
		}
	}
	require.Empty(t, onlyFresh, "a new store has these, the migrated one not: a schema change belongs in a new migration")
	require.Empty(t, onlyMigrated, "the migrated store has these, a new one not")
}

// extractStore unpacks the reporting store (data/rectify.db, with its -wal file if
// the release left one) from a data folder packed by scripts/make-upgrade-fixture
// into dir, and says where it is.
func extractStore(t *testing.T, archive, dir string) string {
	t.Helper()
	f, err := os.Open(archive)
	require.NoError(t, err)
	defer func() { _ = f.Close() }() // read only: closing it can lose nothing
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	found := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		name := path.Base(h.Name)
		if path.Dir(h.Name) != "data" || !strings.HasPrefix(name, "rectify.db") {
			continue
		}
		out, err := os.Create(filepath.Join(dir, name))
		require.NoError(t, err)
		_, err = io.Copy(out, tr)
		require.NoError(t, err)
		require.NoError(t, out.Close())
		found = found || name == "rectify.db"
	}
	require.True(t, found, "%s holds data/rectify.db", archive)
	return filepath.Join(dir, "rectify.db")
}

// sqliteSchema opens the store at path, which migrates it, and describes its
// schema one line per fact: each table's columns in order (name, type, NOT NULL,
// default, place in the primary key), each index's table, uniqueness, origin and
// columns, with the statement that made it, and each trigger's statement. A
// table's own statement is left out: SQLite appends each added column to it, so
// it differs between a table made whole and one that got its columns one by one.
func sqliteSchema(t *testing.T, path string) []string {
	t.Helper()
	s, err := store.Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()
	var facts []string
	query := func(q string, args []any, scan func(*sql.Rows) string) {
		rows, err := db.QueryContext(ctx, q, args...)
		require.NoError(t, err, q)
		defer rows.Close()
		for rows.Next() {
			facts = append(facts, scan(rows))
		}
		require.NoError(t, rows.Err())
	}
	var tables []string
	query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`, nil, func(r *sql.Rows) string {
		var name string
		require.NoError(t, r.Scan(&name))
		tables = append(tables, name)
		return "table " + name
	})
	for _, table := range tables {
		query(`SELECT cid, name, type, "notnull", coalesce(dflt_value, 'NULL'), pk FROM pragma_table_xinfo(?) ORDER BY cid`, []any{table}, func(r *sql.Rows) string {
			var name, typ, dflt string
			var cid, notNull, pk int
			require.NoError(t, r.Scan(&cid, &name, &typ, &notNull, &dflt, &pk))
			return fmt.Sprintf("column %s.%s #%d %s notnull=%d default=%s pk=%d", table, name, cid, typ, notNull, dflt, pk)
		})
		query(`SELECT l.name, l."unique", l.origin, l.partial, coalesce(m.sql, ''),
	(SELECT group_concat(coalesce(i.name, '(expression)'), ',') FROM pragma_index_info(l.name) i)
FROM pragma_index_list(?) l LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name ORDER BY l.name`, []any{table}, func(r *sql.Rows) string {
			var name, origin, stmt string
			var columns sql.NullString
			var unique, partial int
			require.NoError(t, r.Scan(&name, &unique, &origin, &partial, &stmt, &columns))
			return fmt.Sprintf("index %s on %s(%s) unique=%d origin=%s partial=%d: %s", name, table, columns.String, unique, origin, partial, stmt)
		})
	}
	query(`SELECT name, tbl_name, sql FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY name`, nil, func(r *sql.Rows) string {
		var name, table, stmt string
		require.NoError(t, r.Scan(&name, &table, &stmt))
		return fmt.Sprintf("trigger or view %s on %s: %s", name, table, stmt)
	})
	return facts
}
