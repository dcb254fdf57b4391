package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

const sessionSchema = `
CREATE TABLE IF NOT EXISTS sessions (
	id         TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS user_prefs (
	username TEXT PRIMARY KEY,
	lang     TEXT NOT NULL
);
`

// Session is a signed-in browser. Sessions live in the store so they survive restarts
// and sign-out really ends them.
type Session struct {
	ID        string
	Username  string
	CSRF      string
	ExpiresAt time.Time
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (id, username, csrf, expires_at) VALUES ($1, $2, $3, $4)`,
		sess.ID, sess.Username, sess.CSRF, sess.ExpiresAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// Session returns an unexpired session.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (Session, error) {
	sess := Session{ID: id}
	var exp int64
	err := s.r.QueryRowContext(ctx, `SELECT username, csrf, expires_at FROM sessions WHERE id = $1 AND expires_at > $2`,
		id, now.UnixMilli()).Scan(&sess.Username, &sess.CSRF, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, ErrNotFound
	}
	if err != nil {
		return sess, fmt.Errorf("store: session: %w", err)
	}
	sess.ExpiresAt = time.UnixMilli(exp)
	return sess, nil
}

// DeleteSession ends a session, and any expired ones with it.
func (s *Store) DeleteSession(ctx context.Context, id string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1 OR expires_at <= $2`, id, now.UnixMilli())
	return err
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
