package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// sessionSchema keeps a session under the SHA-256 of its id: the id is the secret
// the browser's cookie holds, and whoever reads the table (a backup, a replica)
// must not be able to sign in with what they read.
const sessionSchema = `
CREATE TABLE IF NOT EXISTS sessions (
	id         TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	last_seen  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_username ON sessions (username);
CREATE TABLE IF NOT EXISTS user_prefs (
	username TEXT PRIMARY KEY,
	lang     TEXT NOT NULL
);
`

// Session is a signed-in browser. Sessions live in the store so they survive restarts
// and sign-out really ends them.
type Session struct {
	// ID is the cookie's random value; the store keeps only its digest.
	ID        string
	Username  string
	CSRF      string
	ExpiresAt time.Time
	// LastSeen is when the session was last used, to within TouchSession's
	// granularity: an idle session ends before ExpiresAt.
	LastSeen time.Time
}

// sessionKey is what the store keeps of a session id.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// CreateSession stores a new session, last seen at sess.LastSeen.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (id, username, csrf, expires_at, last_seen) VALUES ($1, $2, $3, $4, $5)`,
		sessionKey(sess.ID), sess.Username, sess.CSRF, sess.ExpiresAt.UnixMilli(), sess.LastSeen.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// Session returns an unexpired session. Whether it has been idle too long is the
// caller's rule (LastSeen).
func (s *Store) Session(ctx context.Context, id string, now time.Time) (Session, error) {
	sess := Session{ID: id}
	var exp, seen int64
	err := s.r.QueryRowContext(ctx, `SELECT username, csrf, expires_at, last_seen FROM sessions WHERE id = $1 AND expires_at > $2`,
		sessionKey(id), now.UnixMilli()).Scan(&sess.Username, &sess.CSRF, &exp, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, ErrNotFound
	}
	if err != nil {
		return sess, fmt.Errorf("store: session: %w", err)
	}
	sess.ExpiresAt, sess.LastSeen = time.UnixMilli(exp), time.UnixMilli(seen)
	return sess, nil
}

// TouchSession records that the session was used at now.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE sessions SET last_seen = $2 WHERE id = $1 AND last_seen < $2`, sessionKey(id), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session, and any expired ones with it.
func (s *Store) DeleteSession(ctx context.Context, id string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1 OR expires_at <= $2`, sessionKey(id), now.UnixMilli())
	return err
}

// DeleteUserSessions ends every session of the user, on every browser, and says
// how many there were.
func (s *Store) DeleteUserSessions(ctx context.Context, username string) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE username = $1`, username)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions: %w", err)
	}
	return res.RowsAffected()
}

// Language returns the user's chosen language ("" when never chosen).
func (s *Store) Language(ctx context.Context, username string) (string, error) {
	var lang string
	err := s.r.QueryRowContext(ctx, `SELECT lang FROM user_prefs WHERE username = $1`, username).Scan(&lang)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return lang, err
}

// SetLanguage remembers the user's language.
func (s *Store) SetLanguage(ctx context.Context, username, lang string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO user_prefs (username, lang) VALUES ($1, $2)
ON CONFLICT (username) DO UPDATE SET lang = excluded.lang`, username, lang)
	return err
}
