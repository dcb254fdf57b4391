package pgtest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServerServesADatabase(t *testing.T) {
	s := Start(t)
	db, err := sql.Open("pgx", s.CreateDatabase(t, "probe"))
	require.NoError(t, err)
	defer db.Close()
	var name string
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT current_database()").Scan(&name))
	require.Equal(t, "probe", name)
}
