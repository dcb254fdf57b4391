package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A connection compiles a statement once and runs it again; a query run again while
// the rows of its first run are still being read gets a statement of its own.
func TestSQLiteConnectionsKeepTheirStatements(t *testing.T) {
	ctx := context.Background()
	db, err := openCachingSQLite("file:" + filepath.Join(t.TempDir(), "kept.db"))
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)`)
	require.NoError(t, err)

	const query = `SELECT n FROM t WHERE n >= $1 ORDER BY n`
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	rows, err := tx.QueryContext(ctx, query, 1)
	require.NoError(t, err)
	var outer, inner []int
	for rows.Next() {
		var n int
		require.NoError(t, rows.Scan(&n))
		outer = append(outer, n)
		var count int
		require.NoError(t, tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+query+`)`, n).Scan(&count))
		inner = append(inner, count)
		again, err := tx.QueryContext(ctx, query, n)
		require.NoError(t, err)
		require.True(t, again.Next(), "the same text, run while its first rows are open")
		var first int
		require.NoError(t, again.Scan(&first))
		require.Equal(t, n, first)
		require.NoError(t, again.Close())
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.NoError(t, tx.Commit())
	require.Equal(t, []int{1, 2, 3}, outer)
	require.Equal(t, []int{3, 2, 1}, inner)

	for range 3 {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, query, 2).Scan(&n))
		require.Equal(t, 2, n)
	}
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	require.NoError(t, conn.Raw(func(dc any) error {
		c := dc.(*cachingConn)
		require.Contains(t, c.kept, query, "compiled once, kept")
		require.False(t, c.kept[query].inUse, "put back after each run")
		return nil
	}))
	require.NoError(t, conn.Close())
}
