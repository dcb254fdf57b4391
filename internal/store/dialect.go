package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	sqlitedriver "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is everything that differs between the two databases the store runs on:
// how to connect, how the schema spells its types, how writers keep out of each
// other's way, reading a field of a JSON document, the index the triage filters
// read, and choosing an index. Tables, queries and the projection's logic exist
// once; queries use $1-style placeholders, which both drivers read.
type dialect struct {
	// schema turns the shared schema (written for SQLite) into this database's.
	schema *strings.Replacer
	// lockProjection runs first in a projection's transaction, with the opinion id
	// as $1: projections of one opinion take turns, and all of them keep out of a
	// count rebuild. lockRebuild runs first in the transaction that creates the
	// schema and rebuilds the counts: it waits for the projections in flight and
	// holds off new ones, and other processes opening the store wait for it.
	// Empty where a write transaction already excludes every other writer.
	lockProjection, lockRebuild string
	// jsonText is an expression for a field of a JSON document column, as text;
	// NULL when the field is absent or null.
	jsonText func(column, field string) string
	// triageIndex creates the index the triage filters read (search.go), once the
	// columns it covers exist.
	triageIndex string
	// from names a table to read, through index if one is named. SQLite keeps no
	// statistics (unless ANALYZE is run and rerun as data grows), so where an index
	// is much better only given the data, it is told; PostgreSQL's planner knows.
	from func(table, index string) string
	// hasColumn counts the columns named $2 of table $1 (0 or 1).
	hasColumn string
	// appendOnly is the statements that make the database refuse to change or
	// remove a row of table (created with the schema; run again at every open).
	appendOnly func(table string) string
}

// sqlite: one writer at a time (BEGIN IMMEDIATE), across processes too, so a write
// transaction needs no other lock.
var sqlite = dialect{
	schema:   strings.NewReplacer(),
	jsonText: func(column, field string) string { return "json_extract(" + column + ", '$." + field + "')" },
	// A campaign's opinions in list order, carrying the state and every column the
	// triage filters read, the content included: a filtered list and its count
	// read this index (a seventh of the table's size) and only the page's rows.
	triageIndex: `CREATE INDEX IF NOT EXISTS opinions_triage ON opinions
	(campaign_id, urgency DESC, level_rank DESC, (deadline = ''), deadline, created_at, id,
	state, channel, suggested_category, collected_at, target, key, content_folded)`,
	from: func(table, index string) string {
		if index == "" {
			return table
		}
		return table + " INDEXED BY " + index
	},
	hasColumn: `SELECT count(*) FROM pragma_table_info($1) WHERE name = $2`,
	appendOnly: func(table string) string {
		return fmt.Sprintf(`
CREATE TRIGGER IF NOT EXISTS %[1]s_no_update BEFORE UPDATE ON %[1]s BEGIN SELECT RAISE(ABORT, '%[1]s is append-only'); END;
CREATE TRIGGER IF NOT EXISTS %[1]s_no_delete BEFORE DELETE ON %[1]s BEGIN SELECT RAISE(ABORT, '%[1]s is append-only'); END;`, table)
	},
}

// Advisory lock keys of the PostgreSQL store: one space for the store's own locks,
// and one per opinion (keyed by a hash of its id; a collision only makes two
// opinions take turns).
const (
	pgLockSpace    = 0x72656374 // "rect"
	pgOpinionSpace = 0x6f70696e // "opin"
	pgRebuildLock  = 1
)

// postgres: many processes write at once. A projection holds its opinion's lock and
// a shared hold on the rebuild lock until it commits; the rebuild takes the rebuild
// lock exclusively. Text columns compare bytewise ("C"), as SQLite's do, so lists
// and figures come out in the same order whatever the database's locale.
var postgres = dialect{
	schema: strings.NewReplacer(
		" TEXT ", ` TEXT COLLATE "C" `,
		") WITHOUT ROWID;", ");",
		" INTEGER PRIMARY KEY AUTOINCREMENT,", " BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,",
		" BLOB", " BYTEA",
	),
	lockProjection: fmt.Sprintf(`SELECT pg_advisory_xact_lock_shared(%d, %d), pg_advisory_xact_lock(%d, hashtext($1))`,
		pgLockSpace, pgRebuildLock, pgOpinionSpace),
	lockRebuild: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, %d)`, pgLockSpace, pgRebuildLock),
	jsonText:    func(column, field string) string { return "(" + column + "::jsonb ->> '" + field + "')" },
	from:        func(table, _ string) string { return table },
	hasColumn:   `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
	appendOnly: func(table string) string {
		return fmt.Sprintf(`
CREATE OR REPLACE FUNCTION rectify_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END $$;
DROP TRIGGER IF EXISTS %[1]s_no_change ON %[1]s;
CREATE TRIGGER %[1]s_no_change BEFORE UPDATE OR DELETE ON %[1]s FOR EACH ROW EXECUTE FUNCTION rectify_append_only();
DROP TRIGGER IF EXISTS %[1]s_no_truncate ON %[1]s;
CREATE TRIGGER %[1]s_no_truncate BEFORE TRUNCATE ON %[1]s FOR EACH STATEMENT EXECUTE FUNCTION rectify_append_only();`, table)
	},
	// The columns the triage filters compare whole, and the state: the planner
	// reads a filtered list's matches through it. Not the content: a B-tree entry
	// holds at most about 2.7 kB and content runs to 12 kB, so a keyword is a test
	// of each row the other conditions leave.
	triageIndex: `CREATE INDEX IF NOT EXISTS opinions_triage ON opinions
	(campaign_id, channel, suggested_category, collected_at, target, state)`,
}

// isPostgres reports whether dsn names a PostgreSQL database rather than a file.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openSQLite opens the file at path: a single writer connection and a few
// read-only ones, so lists and stats never wait behind projections (WAL).
func openSQLite(path string) (w, r *sql.DB, err error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		fmt.Sprintf("?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(%d)&_txlock=immediate",
			busyTimeout.Milliseconds())
	if w, err = openCachingSQLite(dsn); err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	if err = firstConnection(w); err != nil {
		_ = w.Close()
		return nil, nil, err
	}
	if r, err = openCachingSQLite(dsn + "&mode=ro"); err != nil {
		_ = w.Close()
		return nil, nil, err
	}
	r.SetMaxOpenConns(4)
	return w, r, nil
}

// busyTimeout is how long a SQLite connection waits for another's lock.
const busyTimeout = 10 * time.Second

// firstConnection connects w. The first connection to a new file turns it to WAL,
// which waits on no busy handler: while another process is creating the same file,
// it is told SQLITE_BUSY at once. It tries again, for as long as the busy timeout.
func firstConnection(w *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := w.Ping()
		var e *sqlitedriver.Error
		if !errors.As(err, &e) || e.Code() != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pgConns is how many connections one process keeps to PostgreSQL: enough for a
// worker's concurrent projections and the web's reads, few enough that a cluster of
// processes stays well under the server's max_connections.
const pgConns = 10

// openPostgres opens a pool of connections for both reading and writing.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err // pgx leaves the password out of its errors
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgConns)
	db.SetMaxIdleConns(pgConns)
	return db, nil
}

// redact is dsn as errors may show it: a URL without its password, whether in the
// user part or a parameter.
func redact(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable PostgreSQL URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
