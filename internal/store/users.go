package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"rectify/internal/user"
)

// userSchema keeps the people who use rectify, so that a change an admin makes
// holds at once on every node: every request reads them here, none keeps a copy.
// Passwords are bcrypt hashes; API tokens are kept as the SHA-256 of the token,
// which is shown once when it is issued. roles, campaigns and departments are JSON
// arrays. seed_digest is the digest of the users file's entry the user was last
// seeded from: an entry that has not changed leaves the user as rectify has it.
const userSchema = `
CREATE TABLE IF NOT EXISTS users (
	username      TEXT PRIMARY KEY,
	seq           BIGINT NOT NULL,
	name          TEXT NOT NULL,
	roles         TEXT NOT NULL,
	department    TEXT NOT NULL,
	campaigns     TEXT NOT NULL,
	departments   TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	must_change   BIGINT NOT NULL DEFAULT 0,
	inactive      BIGINT NOT NULL DEFAULT 0,
	source        TEXT NOT NULL,
	seed_digest   TEXT NOT NULL DEFAULT '',
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS user_tokens (
	id         TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	name       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	last_used  BIGINT NOT NULL DEFAULT 0,
	revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS user_tokens_username ON user_tokens (username);
`

// Token is an API token as lists show it: never the token itself.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// tokenTouchEvery is how often a token in use records its last use: a write a
// minute at most, not one a request.
const tokenTouchEvery = time.Minute

const userColumns = `username, name, roles, department, campaigns, departments, password_hash, must_change, inactive, source`

func scanUser(row interface{ Scan(...any) error }) (user.User, error) {
	var u user.User
	var roles, campaigns, departments string
	var must, inactive int64
	err := row.Scan(&u.Username, &u.Name, &roles, &u.Department, &campaigns, &departments, &u.PasswordHash, &must, &inactive, &u.Source)
	if err != nil {
		return u, err
	}
	u.MustChangePassword, u.Inactive = must != 0, inactive != 0
	if err := errors.Join(json.Unmarshal([]byte(roles), &u.Roles), json.Unmarshal([]byte(campaigns), &u.Campaigns),
		json.Unmarshal([]byte(departments), &u.Departments)); err != nil {
		return u, fmt.Errorf("user %s: %w", u.Username, err)
	}
	unscoped(&u)
	return u, nil
}

// unscoped leaves an empty scope nil, as a user without one is made.
func unscoped(u *user.User) {
	if len(u.Campaigns) == 0 {
		u.Campaigns = nil
	}
	if len(u.Departments) == 0 {
		u.Departments = nil
	}
}

func jsonList[T any](v []T) string {
	if v == nil {
		v = []T{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// User is the user with that username, active or not; ErrNotFound when there is none.
func (s *Store) User(ctx context.Context, username string) (user.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("store: user: %w", err)
	}
	return u, nil
}

// Users lists every user, in the order they were first stored.
func (s *Store) Users(ctx context.Context) ([]user.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY seq, username`)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []user.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers counts the active users of a source other than except.
func (s *Store) CountUsers(ctx context.Context, except string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE inactive = 0 AND source != $1`, except).Scan(&n)
	return n, err
}

// CreateUser stores a new user, with the access log's entries that record it;
// user.ErrExists when the username is taken.
func (s *Store) CreateUser(ctx context.Context, u user.User, now time.Time, audit ...AuditEntry) error {
	return s.userChange(ctx, audit, func(tx *sql.Tx) error { return s.insertUser(ctx, tx, u, "", now) })
}

// userChange runs change in a transaction with the access log's entries that
// record it: both land, or neither.
func (s *Store) userChange(ctx context.Context, audit []AuditEntry, change func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: users: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := change(tx); err != nil {
		return err
	}
	if err := appendAudit(ctx, tx, audit...); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: users: %w", err)
	}
	return nil
}

func (s *Store) insertUser(ctx context.Context, db *sql.Tx, u user.User, digest string, now time.Time) error {
	res, err := db.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, seq, seed_digest, created_at, updated_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce(max(seq), 0) + 1, $11, $12, $12 FROM users WHERE true
ON CONFLICT (username) DO NOTHING`,
		u.Username, u.Name, jsonList(u.Roles), u.Department, jsonList(u.Campaigns), jsonList(u.Departments),
		u.PasswordHash, flag(u.MustChangePassword), flag(u.Inactive), u.Source, digest, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return user.ErrExists
	}
	return nil
}

// SaveUser writes what may change of an existing user: name, roles, department,
// scopes, password hash, whether they must change it, whether they are inactive;
// with the access log's entries that record it. An inactive user's sessions end
// with it. ErrNotFound when there is no such user.
func (s *Store) SaveUser(ctx context.Context, u user.User, now time.Time, audit ...AuditEntry) error {
	return s.userChange(ctx, audit, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET name = $2, roles = $3, department = $4, campaigns = $5, departments = $6,
password_hash = $7, must_change = $8, inactive = $9, updated_at = $10 WHERE username = $1`,
			u.Username, u.Name, jsonList(u.Roles), u.Department, jsonList(u.Campaigns), jsonList(u.Departments),
			u.PasswordHash, flag(u.MustChangePassword), flag(u.Inactive), now.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: save user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if u.Inactive {
			// Their tokens stop at the join UserByTokenHash makes.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE username = $1`, u.Username); err != nil {
				return fmt.Errorf("store: end sessions: %w", err)
			}
		}
		return nil
	})
}

// SeedUser creates or updates a user from the users file, whose entry has the
// digest: a user not yet stored is created; a stored one is overwritten with the
// entry only when the entry differs from the one last seeded (so a change made in
// rectify holds until the file's entry changes). The entry's token hashes are
// added as tokens named "users file" (one revoked in rectify stays revoked). It
// answers whether the user was created or updated.
func (s *Store) SeedUser(ctx context.Context, u user.User, source, digest string, now time.Time) (changed bool, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: seed user: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var had string
	err = tx.QueryRowContext(ctx, `SELECT seed_digest FROM users WHERE username = $1`, u.Username).Scan(&had)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		u.Source = source
		if err := s.insertUser(ctx, tx, u, digest, now); err != nil && !errors.Is(err, user.ErrExists) {
			return false, err
		}
		changed = true
	case err != nil:
		return false, fmt.Errorf("store: seed user: %w", err)
	case had != digest:
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $2, roles = $3, department = $4, campaigns = $5, departments = $6,
password_hash = CASE WHEN $7 = '' THEN password_hash ELSE $7 END, must_change = CASE WHEN $7 = '' THEN must_change ELSE 0 END,
inactive = 0, source = $10, seed_digest = $8, updated_at = $9 WHERE username = $1`,
			u.Username, u.Name, jsonList(u.Roles), u.Department, jsonList(u.Campaigns), jsonList(u.Departments),
			u.PasswordHash, digest, now.UnixMilli(), source); err != nil {
			return false, fmt.Errorf("store: seed user: %w", err)
		}
		changed = true
	}
	for _, h := range u.TokenHashes {
		h = strings.ToLower(h)
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_tokens (id, username, name, hash, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING`, "file-"+h[:12], u.Username, "users file", h, now.UnixMilli()); err != nil {
			return false, fmt.Errorf("store: seed user's token: %w", err)
		}
	}
	return changed, tx.Commit()
}

// UserByTokenHash is the active user whose unrevoked token has the SHA-256 hex
// digest, and the token's id; ErrNotFound otherwise. The token's last use is
// recorded (once a minute at most).
func (s *Store) UserByTokenHash(ctx context.Context, hash string, now time.Time) (user.User, string, error) {
	var id string
	var lastUsed int64
	row := s.r.QueryRowContext(ctx, `SELECT t.id, t.last_used, `+prefixed("u.", userColumns)+` FROM user_tokens t
JOIN users u ON u.username = t.username WHERE t.hash = $1 AND t.revoked_at = 0 AND u.inactive = 0`, hash)
	var u user.User
	var roles, campaigns, departments string
	var must, inactive int64
	err := row.Scan(&id, &lastUsed, &u.Username, &u.Name, &roles, &u.Department, &campaigns, &departments, &u.PasswordHash, &must, &inactive, &u.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", ErrNotFound
	}
	if err != nil {
		return u, "", fmt.Errorf("store: user by token: %w", err)
	}
	u.MustChangePassword = must != 0
	if err := errors.Join(json.Unmarshal([]byte(roles), &u.Roles), json.Unmarshal([]byte(campaigns), &u.Campaigns),
		json.Unmarshal([]byte(departments), &u.Departments)); err != nil {
		return u, "", fmt.Errorf("store: user by token: %w", err)
	}
	unscoped(&u)
	if now.UnixMilli()-lastUsed >= tokenTouchEvery.Milliseconds() {
		if _, err := s.w.ExecContext(ctx, `UPDATE user_tokens SET last_used = $2 WHERE id = $1 AND last_used < $2`, id, now.UnixMilli()); err != nil {
			return u, id, fmt.Errorf("store: touch token: %w", err)
		}
	}
	return u, id, nil
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, p := range parts {
		parts[i] = prefix + p
	}
	return strings.Join(parts, ", ")
}

// CreateToken stores a new API token of the user under its hash, with the access
// log's entries that record it.
func (s *Store) CreateToken(ctx context.Context, username, id, name, hash string, now time.Time, audit ...AuditEntry) error {
	return s.userChange(ctx, audit, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO user_tokens (id, username, name, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			id, username, name, hash, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: create token: %w", err)
		}
		return nil
	})
}

// Tokens lists the user's API tokens, revoked ones too, oldest first.
func (s *Store) Tokens(ctx context.Context, username string) ([]Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, created_at, last_used, revoked_at FROM user_tokens WHERE username = $1 ORDER BY created_at, id`, username)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created, used, revoked int64
		if err := rows.Scan(&t.ID, &t.Name, &created, &used, &revoked); err != nil {
			return nil, fmt.Errorf("store: tokens: %w", err)
		}
		t.CreatedAt = time.UnixMilli(created).UTC()
		if used != 0 {
			at := time.UnixMilli(used).UTC()
			t.LastUsed = &at
		}
		if revoked != 0 {
			at := time.UnixMilli(revoked).UTC()
			t.RevokedAt = &at
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes the user's token id at now, with the access log's entries
// that record it; ErrNotFound when the user has no such token. Revoking one
// already revoked changes nothing and records nothing.
func (s *Store) RevokeToken(ctx context.Context, username, id string, now time.Time, audit ...AuditEntry) error {
	var revoked int64
	err := s.w.QueryRowContext(ctx, `SELECT revoked_at FROM user_tokens WHERE username = $1 AND id = $2`, username, id).Scan(&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: revoke token: %w", err)
	}
	if revoked != 0 {
		return nil
	}
	return s.userChange(ctx, audit, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE user_tokens SET revoked_at = $3 WHERE username = $1 AND id = $2 AND revoked_at = 0`,
			username, id, now.UnixMilli()); err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		return nil
	})
}

// Scope limits a list to campaigns and departments (Filter.Scope): empty lists
// are no limit.
type Scope struct {
	Campaigns, Departments []string
}

func (sc *Scope) conds(p *params) []string {
	if sc == nil {
		return nil
	}
	var conds []string
	for _, c := range []struct {
		column string
		values []string
	}{{"campaign_id", sc.Campaigns}, {"department", sc.Departments}} {
		if len(c.values) == 0 {
			continue
		}
		vs := make([]any, len(c.values))
		for i, v := range c.values {
			vs[i] = v
		}
		conds = append(conds, c.column+" IN ("+p.add(vs...)+")")
	}
	return conds
}

// What the access log records of the people who use rectify (AuditEntry.Action):
// the object is "user:" and the username, the detail the request and the fields
// changed — never a password or a token.
const (
	AuditUserCreate         = "user_create"
	AuditUserUpdate         = "user_update"
	AuditUserDeactivate     = "user_deactivate"
	AuditUserReactivate     = "user_reactivate"
	AuditUserPasswordReset  = "user_password_reset"
	AuditUserPasswordChange = "user_password_change"
	AuditUserTokenIssue     = "user_token_issue"
	AuditUserTokenRevoke    = "user_token_revoke"
)

// UserAuditActions are the user changes the access log records.
var UserAuditActions = []string{AuditUserCreate, AuditUserUpdate, AuditUserDeactivate, AuditUserReactivate,
	AuditUserPasswordReset, AuditUserPasswordChange, AuditUserTokenIssue, AuditUserTokenRevoke}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a SQLite file.
func IsPostgres(dsn string) bool { return isPostgres(dsn) }
