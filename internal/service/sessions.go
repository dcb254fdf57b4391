package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"rectify/internal/store"
	"rectify/internal/user"
)

// touchEvery is how often a session in use records it: a write a minute at most,
// not one a request.
const touchEvery = time.Minute

// User is the person with that username (active or not), for the names pages and
// logs show. It is read from the store at each call: a change an admin makes holds
// at once, on every node.
func (s *Service) User(username string) (user.User, bool) { return s.users.Lookup(username) }

// Users are everyone active, in the order they were first stored: the people a
// form offers to pick from.
func (s *Service) Users() []user.User { return s.users.All() }

// UserByToken is the active user an API token belongs to; an error (user.ErrUnknown)
// for a token that is unknown, revoked, or of an inactive user.
func (s *Service) UserByToken(ctx context.Context, token string) (user.User, error) {
	if token == "" {
		return user.User{}, user.ErrUnknown
	}
	u, _, err := s.store.UserByTokenHash(ctx, user.HashToken(token), s.Now())
	if errors.Is(err, store.ErrNotFound) || err == nil && !s.usable(u) {
		return user.User{}, user.ErrUnknown
	}
	return u, err
}

// CheckPassword is the active user whose password this is; an error when it is
// not, the same whether the username or the password was wrong, so usernames
// cannot be probed.
func (s *Service) CheckPassword(ctx context.Context, username, password string) (user.User, error) {
	u, err := s.store.User(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return user.User{}, err
	}
	hash := u.PasswordHash
	if err != nil || !s.usable(u) {
		hash = ""
	}
	if err := user.CheckHash(hash, password); err != nil {
		return user.User{}, err
	}
	return u, nil
}

// StartSession signs u in for life: a new session with its own CSRF token, both
// random, which the store keeps so sign-out really ends it.
func (s *Service) StartSession(ctx context.Context, u user.User, life time.Duration) (Session, error) {
	now := s.Now()
	sess := Session{ID: randomToken(), Username: u.Username, CSRF: randomToken(), ExpiresAt: now.Add(life), LastSeen: now}
	return sess, s.store.CreateSession(ctx, sess)
}

// Session is the unexpired session id and its user. A session left idle for idle
// or longer ends here; one in use records it (once a minute at most). ok is false
// for no session, an ended one, and one whose user is gone or inactive.
func (s *Service) Session(ctx context.Context, id string, idle time.Duration) (sess Session, u user.User, ok bool) {
	now := s.Now()
	sess, err := s.store.Session(ctx, id, now)
	if err != nil {
		return sess, u, false
	}
	switch since := now.Sub(sess.LastSeen); {
	case since >= idle:
		if err := s.store.DeleteSession(ctx, sess.ID, now); err != nil {
			s.logger.Error("delete idle session", "err", err)
		}
		return sess, u, false
	case since >= touchEvery:
		if err := s.store.TouchSession(ctx, sess.ID, now); err != nil {
			s.logger.Error("touch session", "err", err)
		}
	}
	u, ok = s.users.Lookup(sess.Username)
	return sess, u, ok && s.usable(u)
}

// EndSession signs the session id out.
func (s *Service) EndSession(ctx context.Context, id string) error {
	return s.store.DeleteSession(ctx, id, s.Now())
}

// EndSessions signs u out everywhere, every browser: for a lost phone, or a
// computer left signed in elsewhere. It says how many sessions there were.
func (s *Service) EndSessions(ctx context.Context, u user.User) (int64, error) {
	return s.store.DeleteUserSessions(ctx, u.Username)
}

// Language is the language u chose ("" when they never did).
func (s *Service) Language(ctx context.Context, u user.User) (string, error) {
	return s.store.Language(ctx, u.Username)
}

// SetLanguage remembers u's language, for every browser they sign in with.
func (s *Service) SetLanguage(ctx context.Context, u user.User, lang string) error {
	return s.store.SetLanguage(ctx, u.Username, lang)
}

// randomToken is 32 random bytes, as a session id or a CSRF token carries them.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
