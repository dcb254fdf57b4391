// Package backup copies a one-machine installation's state while it runs, and puts
// such a copy back into a data folder: the two SQLite databases (Temporal's and the
// reporting store) and the payload key file without which Temporal's histories
// cannot be read. A PostgreSQL installation is backed up with PostgreSQL's own tools
// (docs/operations.md), which Take and Restore refuse; Recheck serves both.
package backup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the pure-Go "sqlite" driver, as the store and Temporal use

	"rectify/internal/store"
)

// File names in a backup folder, which are also those of a data folder; Manifest
// only in a backup.
const (
	TemporalDB = "temporal.db"
	StoreDB    = "rectify.db"
	PayloadKey = "payload.keys"
	DemoUsers  = "demo-users.json"
	Manifest   = "backup.json"
)

// manifest is what a restore needs to know of the backup.
type manifest struct {
	// StoreCopyStarted is when the copy of the store began: Temporal's copy, made
	// after it, may hold workflows started and transitions recorded from then on
	// that the store's lacks.
	StoreCopyStarted time.Time `json:"store_copy_started,omitzero"`
	// TemporalCopyStarted is when the copy of Temporal's database began. A backup
	// made before the store was copied first has this time alone, and its store's
	// copy, made after, may hold writes from then on that Temporal's lacks.
	TemporalCopyStarted time.Time `json:"temporal_copy_started"`
}

// since is the earlier of the copies' beginnings: what either database may hold
// that the other lacks was written since then.
func (m manifest) since() time.Time {
	if !m.StoreCopyStarted.IsZero() && m.StoreCopyStarted.Before(m.TemporalCopyStarted) {
		return m.StoreCopyStarted
	}
	return m.TemporalCopyStarted
}

// clockMargin widens the window a restore has checked, for the workflows' clock
// (the rows' task times, the histories' event times) running behind the backup's.
const clockMargin = time.Minute

// Sources are the files of a running installation.
type Sources struct {
	Temporal   string // Temporal's database
	Store      string // the reporting store's database
	PayloadKey string // the payload key file
	// DemoUsers is the demo's users file, which a data folder seeded by the demo
	// holds: without it a restored demo has nobody to sign in. Copied when there.
	DemoUsers string
}

// Result says what a backup wrote, for the operator.
type Result struct {
	Files []File
}

// File is one file of a backup.
type File struct {
	Name string
	Size int64
}

// busyTimeout is how long a copy waits for the running process's write lock; a copy
// holds only a read transaction, so writers wait for nobody.
const busyTimeout = 30 * time.Second

// Option changes how Take works, for a test.
type Option func(*options)

type options struct {
	betweenCopies func(context.Context) error
}

// BetweenCopies has Take call f once the store's copy is made and before
// Temporal's begins: a test acts on the installation in that gap.
func BetweenCopies(f func(context.Context) error) Option {
	return func(o *options) { o.betweenCopies = f }
}

// Take copies the installation into dir, which must not exist or be empty. Each
// database is copied inside one read transaction (VACUUM INTO), so each copy is
// consistent in itself while the process goes on writing. The store's comes
// first: a workflow starts before its opinion's row is written and records each
// transition no later than the row shows it for long, so every row of the store's
// copy has its workflow in Temporal's, made a moment later. What Temporal's holds
// beyond it — workflows started, transitions recorded since the store's copy
// began — Restore has the reconciler bring into the store at the first start. (A
// store copied last would instead hold rows whose workflows the restored Temporal
// has never heard of.)
func Take(ctx context.Context, src Sources, dir string, opts ...Option) (Result, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := emptyDir(dir); err != nil {
		return Result{}, err
	}
	var res Result
	var m manifest
	for _, db := range []struct {
		name, path string
		started    *time.Time
	}{{StoreDB, src.Store, &m.StoreCopyStarted}, {TemporalDB, src.Temporal, &m.TemporalCopyStarted}} {
		if db.name == TemporalDB && o.betweenCopies != nil {
			if err := o.betweenCopies(ctx); err != nil {
				return Result{}, fmt.Errorf("backup: %w", err)
			}
		}
		*db.started = time.Now().UTC()
		size, err := copyDatabase(ctx, db.path, filepath.Join(dir, db.name))
		if err != nil {
			return Result{}, fmt.Errorf("backup: %s: %w", db.path, err)
		}
		res.Files = append(res.Files, File{db.name, size})
	}
	size, err := copyFile(src.PayloadKey, filepath.Join(dir, PayloadKey))
	if err != nil {
		return Result{}, fmt.Errorf("backup: payload key file: %w", err)
	}
	res.Files = append(res.Files, File{PayloadKey, size})
	if _, err := os.Stat(src.DemoUsers); src.DemoUsers != "" && err == nil {
		size, err := copyFile(src.DemoUsers, filepath.Join(dir, DemoUsers))
		if err != nil {
			return Result{}, fmt.Errorf("backup: demo users: %w", err)
		}
		res.Files = append(res.Files, File{DemoUsers, size})
	}
	data, err := json.Marshal(m)
	if err != nil {
		return Result{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, Manifest), data, 0o600); err != nil {
		return Result{}, fmt.Errorf("backup: %w", err)
	}
	res.Files = append(res.Files, File{Manifest, int64(len(data))})
	return res, nil
}

// Restore puts the backup in dir into place: the databases at the paths of dst and
// the key file at dst.PayloadKey. It refuses to overwrite a database (with its
// -wal and -shm files, an old database would meet the restored one) and checks each
// copy before it is put in place. The store is prepared for the reconciler's
// check at the first start (Recheck) from the moment the first copy began.
func Restore(ctx context.Context, dir string, dst Sources) (Result, error) {
	var m manifest
	data, err := os.ReadFile(filepath.Join(dir, Manifest))
	if err != nil {
		return Result{}, fmt.Errorf("restore: %w (is %s a backup made by rectify-worker backup?)", err, dir)
	}
	if err := json.Unmarshal(data, &m); err != nil || m.since().IsZero() {
		return Result{}, fmt.Errorf("restore: %s: not a backup's manifest", filepath.Join(dir, Manifest))
	}
	var res Result
	for _, db := range []struct{ name, path string }{{TemporalDB, dst.Temporal}, {StoreDB, dst.Store}} {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Stat(db.path + suffix); err == nil {
				return Result{}, fmt.Errorf("restore: %s exists: restore into an empty data folder, or move the old one aside", db.path+suffix)
			}
		}
		if err := check(ctx, filepath.Join(dir, db.name)); err != nil {
			return Result{}, fmt.Errorf("restore: %s: %w", filepath.Join(dir, db.name), err)
		}
	}
	if _, err := os.Stat(dst.PayloadKey); err == nil {
		return Result{}, fmt.Errorf("restore: %s exists: restore into an empty data folder, or move the old one aside", dst.PayloadKey)
	}
	files := []struct{ name, path string }{{TemporalDB, dst.Temporal}, {StoreDB, dst.Store}, {PayloadKey, dst.PayloadKey}}
	if _, err := os.Stat(filepath.Join(dir, DemoUsers)); dst.DemoUsers != "" && err == nil {
		files = append(files, struct{ name, path string }{DemoUsers, dst.DemoUsers})
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
			return Result{}, fmt.Errorf("restore: %w", err)
		}
		size, err := copyFile(filepath.Join(dir, f.name), f.path)
		if err != nil {
			return Result{}, fmt.Errorf("restore: %w", err)
		}
		res.Files = append(res.Files, File{f.path, size})
	}
	if err := forgetMembers(ctx, dst.Temporal); err != nil {
		return Result{}, fmt.Errorf("restore: %s: %w", dst.Temporal, err)
	}
	if _, err := Recheck(ctx, dst.Store, m.since()); err != nil {
		return Result{}, fmt.Errorf("restore: %s: %w", dst.Store, err)
	}
	return res, nil
}

// Recheck prepares the restored reporting store at storeURL for the workflows of
// the restored Temporal, whose copy was made after the store's began at
// storeCopyStarted (less a margin for clocks), and says how many rows it marked:
// at the first start the reconciler checks the store's writes since then against
// their workflows, and asks every workflow started or moved since then for its
// state, adding the opinions and tasks the store lacks and bringing on those it
// shows behind (store.RecheckSince, internal/reconcile). Restore calls it; after
// pg_dump of a running cluster, rectify-worker recheck does, with the time the
// store's dump began.
func Recheck(ctx context.Context, storeURL string, storeCopyStarted time.Time) (int64, error) {
	st, err := store.Open(storeURL)
	if err != nil {
		return 0, err
	}
	n, err := st.RecheckSince(ctx, storeCopyStarted.Add(-clockMargin))
	return n, errors.Join(err, st.Close())
}

// forgetMembers deletes the Temporal services' membership records the backup
// carries: they name the addresses and ports the services had where the backup was
// taken, and a server finding them recent would first try to join those dead
// members. A server writes its own at start.
func forgetMembers(ctx context.Context, path string) error {
	db, err := open(path)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	_, err = db.ExecContext(ctx, `DELETE FROM cluster_membership`)
	return err
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o700)
	case err != nil:
		return fmt.Errorf("backup: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("backup: %s is not empty: back up into a new folder", dir)
	}
	return nil
}

func open(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// copyDatabase writes a consistent copy of the database at path to dst, through a
// file beside it renamed when complete: a backup interrupted leaves no file that
// looks whole.
func copyDatabase(ctx context.Context, path, dst string) (int64, error) {
	db, err := open(path)
	if err != nil {
		return 0, err
	}
	defer func() { _ = db.Close() }()
	partial := dst + ".partial"
	if _, err := db.ExecContext(ctx, `VACUUM INTO $1`, partial); err != nil {
		_ = os.Remove(partial)
		return 0, err
	}
	if err := os.Rename(partial, dst); err != nil {
		return 0, err
	}
	info, err := os.Stat(dst)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// check runs SQLite's integrity check on a copy.
func check(ctx context.Context, path string) error {
	db, err := open(path)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&result); err != nil {
		return err
	}
	if result != "ok" {
		return fmt.Errorf("the copy is damaged: %s", result)
	}
	return nil
}

// copyFile copies a file (the key file, or a database of a backup), keeping it
// readable by its owner only.
func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}
