package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// SQLite compiles every statement before running it, and database/sql hands the
// driver each query as text: without a cache, every read and every projection paid
// for parsing its SQL again — about a sixth of the CPU an opinion's action costs in
// the store (docs/performance.md). The connections of openSQLite keep each
// statement they have compiled, by its text, and run it again after a reset.

// statementsPerConn bounds the statements one connection keeps; texts beyond it (a
// statement built for a number of rows or filters not met before) are compiled
// each time, as without the cache.
const statementsPerConn = 256

// cachingConnector opens SQLite connections that keep their compiled statements.
type cachingConnector struct {
	dsn    string
	driver driver.Driver
}

// openCachingSQLite is sql.Open("sqlite", dsn) with connections that keep their
// compiled statements. The driver is the one registered as "sqlite", with whatever
// was registered on it.
func openCachingSQLite(dsn string) (*sql.DB, error) {
	registered, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	d := registered.Driver()
	if err := registered.Close(); err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{dsn: dsn, driver: d}), nil
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{conn: conn, kept: map[string]*keptStmt{}}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.driver }

// sqliteConn is what cachingConn needs of the driver's connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.SessionResetter
	driver.Validator
	driver.Pinger
}

// cachingConn is a connection that keeps its compiled statements. It offers no
// ExecContext or QueryContext of its own, so database/sql prepares every query
// through PrepareContext and closes the statement when done with it, which puts it
// back. Like any driver connection, it is used by one goroutine at a time.
type cachingConn struct {
	conn driver.Conn
	kept map[string]*keptStmt
}

func (c *cachingConn) sqlite() (sqliteConn, error) {
	s, ok := c.conn.(sqliteConn)
	if !ok {
		return nil, errors.New("store: the SQLite driver's connection lacks a method the statement cache needs")
	}
	return s, nil
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext answers the kept statement of query when it is not in use (a
// transaction may run a query again while reading the rows of the first), or
// compiles one.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if k, ok := c.kept[query]; ok && !k.inUse {
		k.inUse = true
		return k, nil
	}
	s, err := c.sqlite()
	if err != nil {
		return nil, err
	}
	stmt, err := s.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := c.kept[query]; ok || len(c.kept) >= statementsPerConn {
		return stmt, nil
	}
	k := &keptStmt{Stmt: stmt, inUse: true}
	c.kept[query] = k
	return k, nil
}

// Close finalizes the kept statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for query, k := range c.kept {
		errs = append(errs, k.Stmt.Close())
		delete(c.kept, query)
	}
	return errors.Join(append(errs, c.conn.Close())...)
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	s, err := c.sqlite()
	if err != nil {
		return nil, err
	}
	return s.BeginTx(ctx, opts)
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	s, err := c.sqlite()
	if err != nil {
		return err
	}
	return s.ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool {
	s, err := c.sqlite()
	return err == nil && s.IsValid()
}

func (c *cachingConn) Ping(ctx context.Context) error {
	s, err := c.sqlite()
	if err != nil {
		return err
	}
	return s.Ping(ctx)
}

// keptStmt is a compiled statement a connection keeps: closing it puts it back for
// the next use of its text. The driver resets it after each run.
type keptStmt struct {
	driver.Stmt
	inUse bool
}

func (k *keptStmt) Close() error {
	k.inUse = false
	return nil
}

func (k *keptStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s, ok := k.Stmt.(driver.StmtExecContext)
	if !ok {
		return nil, errors.New("store: the SQLite driver's statement lacks ExecContext")
	}
	return s.ExecContext(ctx, args)
}

func (k *keptStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s, ok := k.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("store: the SQLite driver's statement lacks QueryContext")
	}
	return s.QueryContext(ctx, args)
}
