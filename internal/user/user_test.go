package user

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"rectify/internal/domain"
)

// cheapHash keeps the tests fast; Load accepts any bcrypt cost.
func cheapHash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	return string(h)
}

func demoUsers(t *testing.T) []User {
	return []User{
		{Username: "office", Name: "活动办公室", Roles: []domain.Role{domain.RoleOffice},
			PasswordHash: cheapHash(t, "office"), TokenHashes: []string{HashToken("demo-office")}},
		{Username: "official", Name: "张科长", Roles: []domain.Role{domain.RoleOfficial}, Department: "城管科",
			PasswordHash: cheapHash(t, "official"), TokenHashes: []string{HashToken("demo-official"), HashToken("second-token")}},
		{Username: "leader", Name: "王书记", Roles: []domain.Role{domain.RoleLeader, domain.RoleVerifier}},
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestLoadGoodFile(t *testing.T) {
	path := writeFile(t, `{"users": [
	  {"username": "office", "name": "活动办公室", "roles": ["office"],
	   "password_hash": "`+cheapHash(t, "office")+`", "token_sha256": ["`+HashToken("demo-office")+`"]},
	  {"username": "official", "name": "张科长", "roles": ["official"], "department": "城管科"},
	  {"username": "leader", "name": "王书记", "roles": ["leader", "verifier"]}
	]}`)
	d, err := Load(path)
	require.NoError(t, err)

	names := []string{}
	for _, u := range d.All() {
		names = append(names, u.Username)
	}
	require.Equal(t, []string{"office", "official", "leader"}, names, "file order")

	u, ok := d.Lookup("official")
	require.True(t, ok)
	require.Equal(t, "张科长", u.Name)
	require.Equal(t, "城管科", u.Department)
	_, ok = d.Lookup("nobody")
	require.False(t, ok)

	u, err = d.ByToken("demo-office")
	require.NoError(t, err)
	require.Equal(t, "office", u.Username)

	u, err = d.CheckPassword("office", "office")
	require.NoError(t, err)
	require.Equal(t, "office", u.Username)

	l, _ := d.Lookup("leader")
	require.True(t, l.Has(domain.RoleLeader))
	require.True(t, l.Has(domain.RoleVerifier))
	require.False(t, l.Has(domain.RoleOffice))
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		contains []string
	}{
		{"unknown field", `{"users": [{"username": "office", "roles": ["office"], "password": "office"}]}`,
			[]string{"users file", `unknown field "password"`}},
		{"unknown top-level field", `{"users": [], "admins": []}`, []string{`unknown field "admins"`}},
		{"not JSON", `users: [office]`, []string{"users file"}},
		{"bad user", `{"users": [{"username": "office", "roles": []}]}`, []string{"users file", "users[0] (office)", "roles is empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.content)
			_, err := Load(path)
			require.Error(t, err)
			require.Contains(t, err.Error(), path, "the error names the file")
			for _, s := range tc.contains {
				require.Contains(t, err.Error(), s)
			}
		})
	}
	t.Run("unreadable file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing.json")
		_, err := Load(path)
		require.Error(t, err)
		require.ErrorIs(t, err, os.ErrNotExist)
		require.Contains(t, err.Error(), "users file")
		require.Contains(t, err.Error(), "missing.json")
	})
	t.Run("a directory", func(t *testing.T) {
		_, err := Load(t.TempDir())
		require.Error(t, err)
		require.Contains(t, err.Error(), "users file")
	})
}

func TestNewRejects(t *testing.T) {
	office := []domain.Role{domain.RoleOffice}
	tokenA := HashToken("token-a")
	tests := []struct {
		name     string
		users    []User
		contains []string
	}{
		{"missing username", []User{{Username: "office", Roles: office}, {Name: "无名", Roles: office}},
			[]string{"users[1]", "username is required"}},
		{"duplicate username", []User{{Username: "office", Roles: office}, {Username: "office", Roles: office}},
			[]string{"users[1] (office)", "username appears twice"}},
		{"empty roles", []User{{Username: "official"}},
			[]string{"users[0] (official)", "roles is empty"}},
		{"unknown role", []User{{Username: "root", Roles: []domain.Role{"root"}}},
			[]string{"users[0] (root)", `role "root"`, "office, official, verifier, leader, admin"}},
		{"bad bcrypt hash", []User{{Username: "office", Roles: office, PasswordHash: "office"}},
			[]string{"users[0] (office)", "password_hash", "bcrypt"}},
		{"token hash not hex", []User{{Username: "office", Roles: office, TokenHashes: []string{"demo-office"}}},
			[]string{"users[0] (office)", "token_sha256", `"demo-office"`, "SHA-256"}},
		{"token hash too short", []User{{Username: "office", Roles: office, TokenHashes: []string{"abcd"}}},
			[]string{"users[0] (office)", "token_sha256", `"abcd"`}},
		{"token hash shared", []User{
			{Username: "office", Roles: office, TokenHashes: []string{tokenA}},
			{Username: "leader", Roles: []domain.Role{domain.RoleLeader}, TokenHashes: []string{tokenA}}},
			[]string{"users[1] (leader)", "token hash is shared"}},
		{"token hash shared in another case", []User{
			{Username: "office", Roles: office, TokenHashes: []string{tokenA}},
			{Username: "leader", Roles: []domain.Role{domain.RoleLeader}, TokenHashes: []string{strings.ToUpper(tokenA)}}},
			[]string{"users[1] (leader)", "token hash is shared"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.users)
			require.Error(t, err)
			require.Nil(t, d)
			for _, s := range tc.contains {
				require.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestByToken(t *testing.T) {
	d, err := New(demoUsers(t))
	require.NoError(t, err)
	tests := []struct {
		token string
		want  string
	}{
		{"demo-office", "office"},
		{"demo-official", "official"},
		{"second-token", "official"},
		{HashToken("demo-office"), ""},
		{"demo-leader", ""},
		{"", ""},
		{"DEMO-OFFICE", ""},
	}
	for _, tc := range tests {
		t.Run(tc.token, func(t *testing.T) {
			u, err := d.ByToken(tc.token)
			if tc.want == "" {
				require.ErrorIs(t, err, ErrUnknown)
				require.Empty(t, u.Username)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, u.Username)
		})
	}
}

func TestByTokenAcceptsUpperCaseHashInFile(t *testing.T) {
	d, err := New([]User{{Username: "office", Roles: []domain.Role{domain.RoleOffice},
		TokenHashes: []string{strings.ToUpper(HashToken("demo-office"))}}})
	require.NoError(t, err)
	u, err := d.ByToken("demo-office")
	require.NoError(t, err)
	require.Equal(t, "office", u.Username)
}

func TestCheckPassword(t *testing.T) {
	d, err := New(demoUsers(t))
	require.NoError(t, err)
	tests := []struct {
		name, username, password, want string
	}{
		{"right password", "office", "office", "office"},
		{"right password, other user", "official", "official", "official"},
		{"wrong password", "office", "official", ""},
		{"empty password", "office", "", ""},
		{"unknown user", "nobody", "nobody", ""},
		{"user without password", "leader", "", ""},
		{"user without password, any password", "leader", "leader", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := d.CheckPassword(tc.username, tc.password)
			if tc.want == "" {
				require.ErrorIs(t, err, ErrUnknown)
				require.Empty(t, u.Username)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, u.Username)
		})
	}
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("s3cret-密码")
	require.NoError(t, err)
	require.NotContains(t, h, "s3cret")
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(h), []byte("s3cret-密码")))
	require.Error(t, bcrypt.CompareHashAndPassword([]byte(h), []byte("s3cret")))

	d, err := New([]User{{Username: "office", Roles: []domain.Role{domain.RoleOffice}, PasswordHash: h}})
	require.NoError(t, err)
	_, err = d.CheckPassword("office", "s3cret-密码")
	require.NoError(t, err)
}

func TestHashToken(t *testing.T) {
	require.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", HashToken(""))
	require.Len(t, HashToken("demo-office"), 64)
	require.Equal(t, HashToken("demo-office"), HashToken("demo-office"))
	require.NotEqual(t, HashToken("demo-office"), HashToken("demo-leader"))
}

func TestActor(t *testing.T) {
	u := User{Username: "official", Name: "张科长", Department: "城管科",
		Roles: []domain.Role{domain.RoleOfficial, domain.RoleVerifier}}
	a := u.Actor()
	require.Equal(t, domain.Actor{Username: "official", Department: "城管科",
		Roles: []domain.Role{domain.RoleOfficial, domain.RoleVerifier}}, a)
	require.True(t, a.Has(domain.RoleVerifier))
	require.False(t, a.Has(domain.RoleOffice))
}

func TestReturnedUsersAreCopies(t *testing.T) {
	d, err := New(demoUsers(t))
	require.NoError(t, err)
	u, _ := d.Lookup("office")
	u.Name = "changed"
	all := d.All()
	all[0].Department = "changed"
	again, _ := d.Lookup("office")
	require.Equal(t, "活动办公室", again.Name)
	require.Empty(t, again.Department)
}
