package store_test

import (
	"context"
	"database/sql"
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
			for _, stmt := range strings.Split(firstSchema, ";\n") {
				if strings.TrimSpace(stmt) != "" {
					_, err := raw.ExecContext(ctx, stmt)
					require.NoError(t, err, stmt)
				}
			}

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
