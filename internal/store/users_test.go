package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/user"
)

// TestUsers runs the users' store tests on every backend.
func TestUsers(t *testing.T) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.start(t)
			t.Run("KeptAndChanged", func(t *testing.T) { testUsersKeptAndChanged(t, b) })
			t.Run("SeedFromTheFile", func(t *testing.T) { testUsersSeedFromTheFile(t, b) })
			t.Run("Tokens", func(t *testing.T) { testUserTokens(t, b) })
		})
	}
}

func testUsersKeptAndChanged(t *testing.T, b backend) {
	s, ctx := b.open(t), context.Background()
	u := user.User{Username: "wang", Name: "王科长", Roles: []domain.Role{domain.RoleOfficial}, Department: "城管科",
		Campaigns: []string{"c1"}, PasswordHash: "$2a$04$hash", MustChangePassword: true, Source: user.SourceAdmin}
	audit := store.AuditEntry{At: base, User: "admin", Action: store.AuditUserCreate, Object: "user:wang", Detail: "POST /api/v1/users", Count: 1}
	require.NoError(t, s.CreateUser(ctx, u, base, audit))
	require.ErrorIs(t, s.CreateUser(ctx, u, base), user.ErrExists)
	require.NoError(t, s.CreateUser(ctx, user.User{Username: "li", Roles: []domain.Role{domain.RoleLeader}, Source: user.SourceAdmin}, base))

	got, err := s.User(ctx, "wang")
	require.NoError(t, err)
	require.Equal(t, u, got)
	_, err = s.User(ctx, "nobody")
	require.ErrorIs(t, err, store.ErrNotFound)
	all, err := s.Users(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"wang", "li"}, []string{all[0].Username, all[1].Username}, "in the order they were stored")

	// Deactivating ends the user's sessions with it, and the access log has the entry.
	require.NoError(t, s.CreateSession(ctx, store.Session{ID: "s1", Username: "wang", CSRF: "c", ExpiresAt: base.Add(time.Hour), LastSeen: base}))
	u.Inactive, u.Roles = true, []domain.Role{domain.RoleOfficial, domain.RoleVerifier}
	require.NoError(t, s.SaveUser(ctx, u, base, store.AuditEntry{At: base, User: "admin", Action: store.AuditUserDeactivate, Object: "user:wang", Count: 1}))
	got, err = s.User(ctx, "wang")
	require.NoError(t, err)
	require.True(t, got.Inactive)
	require.Equal(t, u.Roles, got.Roles)
	_, err = s.Session(ctx, "s1", base)
	require.ErrorIs(t, err, store.ErrNotFound, "an inactive user's sessions end")
	require.ErrorIs(t, s.SaveUser(ctx, user.User{Username: "nobody"}, base), store.ErrNotFound)
	page, err := s.AuditLog(ctx, store.AuditFilter{Object: "user:wang"})
	require.NoError(t, err)
	require.Len(t, page.Entries, 2)
	n, err := s.CountUsers(ctx, user.SourceDemo)
	require.NoError(t, err)
	require.Equal(t, 1, n, "an inactive user is not counted")
}

func testUsersSeedFromTheFile(t *testing.T, b backend) {
	s, ctx := b.open(t), context.Background()
	entry := user.User{Username: "office", Name: "王主任", Roles: []domain.Role{domain.RoleOffice}, PasswordHash: "$2a$04$file",
		TokenHashes: []string{user.HashToken("file-token")}}
	changed, err := s.SeedUser(ctx, entry, user.SourceFile, "d1", base)
	require.NoError(t, err)
	require.True(t, changed)
	got, err := s.User(ctx, "office")
	require.NoError(t, err)
	require.Equal(t, user.SourceFile, got.Source)
	found, _, err := s.UserByTokenHash(ctx, user.HashToken("file-token"), base)
	require.NoError(t, err)
	require.Equal(t, "office", found.Username)

	// A change in the product holds while the file's entry stays the same...
	got.Name = "王副主任"
	require.NoError(t, s.SaveUser(ctx, got, base))
	changed, err = s.SeedUser(ctx, entry, user.SourceFile, "d1", base)
	require.NoError(t, err)
	require.False(t, changed)
	got, err = s.User(ctx, "office")
	require.NoError(t, err)
	require.Equal(t, "王副主任", got.Name)

	// ...and the file wins once its entry changes.
	entry.Name = "王主任（新）"
	changed, err = s.SeedUser(ctx, entry, user.SourceFile, "d2", base)
	require.NoError(t, err)
	require.True(t, changed)
	got, err = s.User(ctx, "office")
	require.NoError(t, err)
	require.Equal(t, "王主任（新）", got.Name)
	require.Equal(t, "$2a$04$file", got.PasswordHash)
}

func testUserTokens(t *testing.T, b backend) {
	s, ctx := b.open(t), context.Background()
	require.NoError(t, s.CreateUser(ctx, user.User{Username: "wang", Roles: []domain.Role{domain.RoleOfficial}, Source: user.SourceAdmin}, base))
	hash := user.HashToken("rt_secret")
	require.NoError(t, s.CreateToken(ctx, "wang", "t1", "脚本", hash, base,
		store.AuditEntry{At: base, User: "admin", Action: store.AuditUserTokenIssue, Object: "user:wang", Count: 1}))
	u, id, err := s.UserByTokenHash(ctx, hash, base.Add(2*time.Minute))
	require.NoError(t, err)
	require.Equal(t, []string{"wang", "t1"}, []string{u.Username, id})
	tokens, err := s.Tokens(ctx, "wang")
	require.NoError(t, err)
	require.Len(t, tokens, 1)
	require.Equal(t, "脚本", tokens[0].Name)
	require.NotNil(t, tokens[0].LastUsed)
	require.True(t, tokens[0].LastUsed.Equal(base.Add(2*time.Minute)))

	// An inactive user's token stops; so does a revoked one.
	require.NoError(t, s.SaveUser(ctx, user.User{Username: "wang", Roles: []domain.Role{domain.RoleOfficial}, Inactive: true}, base))
	_, _, err = s.UserByTokenHash(ctx, hash, base)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, s.SaveUser(ctx, user.User{Username: "wang", Roles: []domain.Role{domain.RoleOfficial}}, base))
	_, _, err = s.UserByTokenHash(ctx, hash, base)
	require.NoError(t, err)
	require.NoError(t, s.RevokeToken(ctx, "wang", "t1", base.Add(time.Hour)))
	require.NoError(t, s.RevokeToken(ctx, "wang", "t1", base.Add(2*time.Hour)), "revoking again changes nothing")
	require.ErrorIs(t, s.RevokeToken(ctx, "wang", "t2", base), store.ErrNotFound)
	_, _, err = s.UserByTokenHash(ctx, hash, base)
	require.ErrorIs(t, err, store.ErrNotFound)
	tokens, err = s.Tokens(ctx, "wang")
	require.NoError(t, err)
	require.True(t, tokens[0].RevokedAt.Equal(base.Add(time.Hour)))
}
