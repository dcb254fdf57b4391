package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for creating the database and the setup lock
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence"
	"go.temporal.io/server/common/persistence/serialization"
	temporalsql "go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives/timestamp"
	"go.temporal.io/server/common/resolver"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// ShardCountError says the configured number of history shards differs from the
// number the database was created with; Temporal cannot change it afterwards.
type ShardCountError struct {
	Configured, Stored int32
}

func (e *ShardCountError) Error() string {
	return fmt.Sprintf("engine: %d history shards configured, but the database was created with %d; the count cannot change after the first start",
		e.Configured, e.Stored)
}

// Persistence store names in the server's configuration.
const (
	defaultStore    = "default"
	visibilityStore = "visibility"
)

// visibilitySchema is the PostgreSQL schema holding the visibility tables when they
// share a database with the default store: both keep their version in a table named
// schema_version, so they cannot share one schema.
const visibilitySchema = "temporal_visibility"

// setupLockKey is the PostgreSQL advisory lock taken by a node from schema setup until
// it serves, so nodes starting at once neither race on the schema and namespace nor
// on the cluster's metadata record.
const setupLockKey int64 = 0x72656374696679 // "rectify"

// prepared is the persistence a server starts on, ready: schema in place, namespace
// created. release lets other nodes start their own setup.
type prepared struct {
	persistence config.Persistence
	release     func()
}

// preparePersistence sets up the database the server starts on: SQLite in the data
// folder, or PostgreSQL when opts.Database is set.
func preparePersistence(ctx context.Context, opts Options) (_ prepared, err error) {
	// Errors of the drivers and the schema tool may quote a connection string.
	defer func() { err = scrub(err, password(opts.Database), password(opts.VisibilityDatabase)) }()
	ns, err := sqlite.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return prepared{}, fmt.Errorf("engine: namespace config: %w", err)
	}
	ns.Detail.Config.Retention = timestamp.DurationPtr(opts.Retention)
	prepare := preparePostgres
	if opts.Database == nil {
		prepare = prepareSQLite
	}
	p, err := prepare(ctx, opts, ns)
	if err != nil {
		return prepared{}, err
	}
	if err := checkShards(ctx, p.persistence.DataStores[defaultStore].SQL, opts.Shards); err != nil {
		p.release()
		return prepared{}, err
	}
	return p, nil
}

func prepareSQLite(_ context.Context, opts Options, ns *sqlite.NamespaceConfig) (prepared, error) {
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return prepared{}, fmt.Errorf("engine: create data dir: %w", err)
	}
	dbPath := filepath.Join(opts.DataDir, "temporal.db")
	sqlCfg := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: dbPath,
		// WAL with synchronous=NORMAL survives process crashes and is about three times
		// faster than the default journal; see docs/operations.md for the power-loss caveat.
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "NORMAL",
			"busy_timeout": "10000",
		},
		MaxConns:     1,
		MaxIdleConns: 1,
	}
	if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
		if err := sqlite.SetupSchema(sqlCfg); err != nil {
			return prepared{}, fmt.Errorf("engine: set up schema in %s: %w", dbPath, err)
		}
	}
	// CreateNamespaces is a no-op for a namespace that exists.
	if err := sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		return prepared{}, fmt.Errorf("engine: create namespace %q: %w", opts.Namespace, err)
	}
	return prepared{
		persistence: config.Persistence{
			DefaultStore:     defaultStore,
			VisibilityStore:  defaultStore,
			NumHistoryShards: opts.Shards,
			DataStores:       map[string]config.DataStore{defaultStore: {SQL: sqlCfg}},
		},
		release: func() {},
	}, nil
}

// preparePostgres creates the databases when missing, then, under the setup lock,
// sets up or upgrades Temporal's schemas and creates the namespace. The lock is held
// until release, after the server has started.
func preparePostgres(ctx context.Context, opts Options, ns *sqlite.NamespaceConfig) (_ prepared, err error) {
	mainURL, visURL := opts.Database, opts.Database
	if opts.VisibilityDatabase != nil {
		visURL = opts.VisibilityDatabase
	}
	mainCfg := postgresConfig(mainURL)
	visCfg := postgresConfig(visURL)
	shared := sameDatabase(mainURL, visURL)
	if shared {
		visCfg.ConnectAttributes["search_path"] = visibilitySchema
	}

	for _, u := range []*url.URL{mainURL, visURL} {
		if err := ensureDatabase(ctx, u); err != nil {
			return prepared{}, err
		}
	}
	unlock, err := lockSetup(ctx, mainURL)
	if err != nil {
		return prepared{}, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	if shared {
		if err := exec(ctx, mainURL, `CREATE SCHEMA IF NOT EXISTS `+visibilitySchema); err != nil {
			return prepared{}, fmt.Errorf("engine: create schema %s in %s: %w", visibilitySchema, mainURL.Redacted(), err)
		}
	}
	if err := setupSchema(mainCfg, "postgresql/v12/temporal"); err != nil {
		return prepared{}, fmt.Errorf("engine: Temporal schema in %s: %w", mainURL.Redacted(), err)
	}
	if err := setupSchema(visCfg, "postgresql/v12/visibility"); err != nil {
		return prepared{}, fmt.Errorf("engine: Temporal visibility schema in %s: %w", visURL.Redacted(), err)
	}
	// The namespace helpers of Temporal's SQLite package are plain SQL persistence:
	// they work on any SQL store, and are a no-op for a namespace that exists.
	if err := sqlite.CreateNamespaces(mainCfg, ns); err != nil {
		return prepared{}, fmt.Errorf("engine: create namespace %q: %w", opts.Namespace, err)
	}
	return prepared{
		persistence: config.Persistence{
			DefaultStore:     defaultStore,
			VisibilityStore:  visibilityStore,
			NumHistoryShards: opts.Shards,
			DataStores: map[string]config.DataStore{
				defaultStore:    {SQL: mainCfg},
				visibilityStore: {SQL: visCfg},
			},
		},
		release: unlock,
	}, nil
}

func password(u *url.URL) string {
	if u == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// scrub replaces the passwords quoted in err's text.
func scrub(err error, passwords ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, p := range passwords {
		if p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return scrubbed{msg: msg, err: err}
}

// scrubbed is an error with its message cleaned; errors.As still finds what it wraps.
type scrubbed struct {
	msg string
	err error
}

func (s scrubbed) Error() string { return s.msg }
func (s scrubbed) Unwrap() error { return s.err }

// postgresConfig is the server's connection configuration for a database URL; the
// URL's query parameters (sslmode, …) become connection attributes.
func postgresConfig(u *url.URL) *config.SQL {
	password, _ := u.User.Password()
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	attrs := map[string]string{}
	for k, v := range u.Query() {
		attrs[k] = v[len(v)-1]
	}
	return &config.SQL{
		PluginName:        postgresql.PluginNamePGX,
		DatabaseName:      strings.TrimPrefix(u.Path, "/"),
		ConnectAddr:       net.JoinHostPort(host, port),
		ConnectProtocol:   "tcp",
		User:              u.User.Username(),
		Password:          password,
		ConnectAttributes: attrs,
		MaxConns:          20,
		MaxIdleConns:      20,
		MaxConnLifetime:   time.Hour,
	}
}

func sameDatabase(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if u.Port() == "" {
			return "5432"
		}
		return u.Port()
	}
	return a.Hostname() == b.Hostname() && port(a) == port(b) && a.Path == b.Path
}

// ensureDatabase creates u's database when it does not exist, through the server's
// maintenance database "postgres". Two nodes creating it at once is no error.
func ensureDatabase(ctx context.Context, u *url.URL) error {
	err := exec(ctx, u, "SELECT 1")
	if pgCode(err) != "3D000" { // invalid_catalog_name: the database does not exist
		if err != nil {
			return fmt.Errorf("engine: connect to %s: %w", u.Redacted(), err)
		}
		return nil
	}
	db := strings.TrimPrefix(u.Path, "/")
	maintenance := *u
	maintenance.Path = "/postgres"
	err = exec(ctx, &maintenance, `CREATE DATABASE "`+strings.ReplaceAll(db, `"`, `""`)+`"`)
	switch pgCode(err) {
	case "", "42P04", "23505": // created; duplicate_database; unique_violation (a concurrent create)
		return nil
	}
	return fmt.Errorf("engine: create database %s: %w", u.Redacted(), err)
}

// exec runs one statement on a connection of its own.
func exec(ctx context.Context, u *url.URL, stmt string) error {
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// lockSetup waits for the setup lock on u's database; the returned function releases
// it. It polls rather than blocks: a session blocked in pg_advisory_lock holds a
// snapshot, and the schema's CREATE INDEX CONCURRENTLY waits for every snapshot in
// the database — the lock holder would wait for its waiters.
func lockSetup(ctx context.Context, u *url.URL) (func(), error) {
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("engine: connect to %s: %w", u.Redacted(), err)
	}
	conn, err := db.Conn(ctx)
	for locked := false; err == nil && !locked; {
		if err = conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", setupLockKey).Scan(&locked); err == nil && !locked {
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	if err != nil {
		if conn != nil {
			_ = conn.Close()
		}
		_ = db.Close()
		return nil, fmt.Errorf("engine: take the setup lock in %s: %w", u.Redacted(), err)
	}
	return func() { // ending the session releases the lock
		_ = conn.Close()
		_ = db.Close()
	}, nil
}

// setupSchema creates Temporal's version tables when missing and brings the schema
// to the version this server needs; a schema already there costs a few reads.
func setupSchema(cfg *config.SQL, name string) error {
	conn, err := sqltool.NewConnection(cfg, log.NewNoopLogger())
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, log.NewNoopLogger()).Run(); err != nil {
		return err
	}
	return schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{DBName: cfg.DatabaseName, SchemaName: name}, log.NewNoopLogger()).Run()
}

// checkShards compares the configured shard count with the one the cluster was
// created with. The server itself would go on with the stored count and only log
// it, leaving the operator's setting silently ignored.
func checkShards(ctx context.Context, cfg *config.SQL, want int32) error {
	db, err := temporalsql.NewSQLDB(sqlplugin.DbKindMain, cfg, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return fmt.Errorf("engine: open the database: %w", err)
	}
	defer func() { _ = db.Close() }() // only read from
	row, err := db.GetClusterMetadata(ctx, &sqlplugin.ClusterMetadataFilter{ClusterName: clusterName})
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the cluster's first start
	}
	if err != nil {
		return fmt.Errorf("engine: read cluster metadata: %w", err)
	}
	meta, err := serialization.NewSerializer().DeserializeClusterMetadata(persistence.NewDataBlob(row.Data, row.DataEncoding))
	if err != nil {
		return fmt.Errorf("engine: read cluster metadata: %w", err)
	}
	if meta.GetHistoryShardCount() != want {
		return &ShardCountError{Configured: want, Stored: meta.GetHistoryShardCount()}
	}
	return nil
}
