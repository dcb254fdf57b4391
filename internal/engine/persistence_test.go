package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"rectify/internal/pgtest"
)

// TestPostgresSetupIsIdempotentWhenNodesStartAtOnce runs the PostgreSQL setup of
// three nodes at the same moment on a database none of them has created: one
// creates it, the schema and the visibility schema land once, the namespace exists
// once, and a later setup changes nothing.
func TestPostgresSetupIsIdempotentWhenNodesStartAtOnce(t *testing.T) {
	pg := pgtest.Start(t)
	u, err := url.Parse(pg.URL("temporal"))
	require.NoError(t, err)
	opts := Options{
		Database: u, Namespace: "rectify", Retention: time.Hour, Shards: 4,
		SearchAttributes: map[string]enumspb.IndexedValueType{"RectifyState": enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			p, err := preparePersistence(ctx, opts)
			if err == nil {
				p.release()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	p, err := preparePersistence(ctx, opts)
	require.NoError(t, err)
	p.release()
	require.Equal(t, visibilityStore, p.persistence.VisibilityStore)
	require.Equal(t, visibilitySchema, p.persistence.DataStores[visibilityStore].SQL.ConnectAttributes["search_path"])

	db, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	defer db.Close()
	var namespaces int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM namespaces WHERE name = 'rectify'`).Scan(&namespaces))
	require.Equal(t, 1, namespaces)
	var mainVersion, visVersion string
	require.NoError(t, db.QueryRow(`SELECT curr_version FROM public.schema_version`).Scan(&mainVersion))
	require.NoError(t, db.QueryRow(`SELECT curr_version FROM temporal_visibility.schema_version`).Scan(&visVersion))
	require.NotEqual(t, "0.0", mainVersion)
	require.NotEqual(t, "0.0", visVersion)
	var visTables int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'temporal_visibility' AND table_name = 'executions_visibility'`).Scan(&visTables))
	require.Equal(t, 1, visTables)
}

func TestPostgresConfigKeepsTheURLsSettings(t *testing.T) {
	u, err := url.Parse("postgresql://temporal:p%40ss@db.internal/temporal?sslmode=verify-full&sslrootcert=/etc/ca.pem")
	require.NoError(t, err)
	c := postgresConfig(u)
	require.Equal(t, "db.internal:5432", c.ConnectAddr)
	require.Equal(t, "temporal", c.DatabaseName)
	require.Equal(t, "temporal", c.User)
	require.Equal(t, "p@ss", c.Password)
	require.Equal(t, map[string]string{"sslmode": "verify-full", "sslrootcert": "/etc/ca.pem"}, c.ConnectAttributes)
	other, err := url.Parse("postgres://other:x@db.internal:5432/temporal")
	require.NoError(t, err)
	require.True(t, sameDatabase(u, other), "the same database, whoever connects")
}

func TestScrubRemovesPasswords(t *testing.T) {
	err := scrub(errors.New(`cannot connect to postgres://u:s3cret@db/t`), "s3cret", "")
	require.EqualError(t, err, "cannot connect to postgres://u:xxxxx@db/t")
	var shards *ShardCountError
	require.ErrorAs(t, scrub(fmt.Errorf("s3cret: %w", &ShardCountError{Configured: 4, Stored: 16}), "s3cret"), &shards,
		"a scrubbed error keeps what it wraps")
	plain := errors.New("no password here")
	require.Same(t, plain, scrub(plain, "s3cret"))
	require.NoError(t, scrub(nil, "s3cret"))
}
