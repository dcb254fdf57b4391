// Package apitest drives a running rectify over its HTTP API the way a client
// would, for the integration and crash tests: test users with known tokens, free
// ports, and calls that check the status code.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"rectify/internal/domain"
	"rectify/internal/user"
)

// Users are the test users: one per role and a second official in another
// department. Each has the API token "tok-<username>" and their username as password.
var Users = []user.User{
	{Username: "office", Roles: []domain.Role{domain.RoleOffice}},
	{Username: "official", Roles: []domain.Role{domain.RoleOfficial}, Department: "城管科"},
	{Username: "official2", Roles: []domain.Role{domain.RoleOfficial}, Department: "民政科"},
	{Username: "verifier", Roles: []domain.Role{domain.RoleVerifier}},
	{Username: "leader", Roles: []domain.Role{domain.RoleLeader}},
}

// WriteUsers writes the test users file into dir and returns its path: Users, and
// the extra users a test needs besides them, with the same kind of token and password.
func WriteUsers(t testing.TB, dir string, extra ...user.User) string {
	t.Helper()
	all := append(slices.Clip(Users), extra...)
	f := user.File{Users: make([]user.User, len(all))}
	for i, u := range all {
		u.TokenHashes = []string{user.HashToken("tok-" + u.Username)}
		hash, err := bcrypt.GenerateFromPassword([]byte(u.Username), bcrypt.MinCost)
		require.NoError(t, err)
		u.PasswordHash = string(hash)
		f.Users[i] = u
	}
	data, err := json.Marshal(f)
	require.NoError(t, err)
	path := filepath.Join(dir, "users.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// FreeAddr returns a loopback address with a port nothing listens on, so tests run
// beside a running instance and beside each other.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// Client calls one rectify's API as the test users.
type Client struct {
	T    testing.TB
	Base string
}

// Call sends a request as the user (no token when as is empty) and decodes the answer.
func (c Client) Call(as, method, path string, body any) (int, map[string]any) {
	c.T.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(c.T, err)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.Base+path, r)
	require.NoError(c.T, err)
	return c.send(as, req)
}

// send signs a request as the user and decodes the JSON answer. It asks for
// English, which the tests read, unless the request names its own language.
func (c Client) send(as string, req *http.Request) (int, map[string]any) {
	c.T.Helper()
	if as != "" {
		req.Header.Set("Authorization", "Bearer tok-"+as)
	}
	if req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", "en")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.T, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(c.T, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// Must is Call that requires the status code.
func (c Client) Must(as, method, path string, body any, want int) map[string]any {
	c.T.Helper()
	status, out := c.Call(as, method, path, body)
	require.Equal(c.T, want, status, "%s %s as %s: %v", method, path, as, out)
	return out
}

// Act performs an opinion action and requires the status code.
func (c Client) Act(as, id, action string, body any, want int) map[string]any {
	c.T.Helper()
	if body == nil {
		body = map[string]any{}
	}
	return c.Must(as, http.MethodPost, "/api/v1/opinions/"+id+"/actions/"+action, body, want)
}

// ErrorCode is the code of an API error answer.
func ErrorCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// Upload posts a file as multipart/form-data field "file", with extra form fields,
// and decodes the answer.
func (c Client) Upload(as, path, filePath string, fields map[string]string) (int, map[string]any) {
	c.T.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(c.T, mw.WriteField(k, v))
	}
	fw, err := mw.CreateFormFile("file", filepath.Base(filePath))
	require.NoError(c.T, err)
	data, err := os.ReadFile(filePath)
	require.NoError(c.T, err)
	_, err = fw.Write(data)
	require.NoError(c.T, err)
	require.NoError(c.T, mw.Close())
	req, err := http.NewRequest(http.MethodPost, c.Base+path, &body)
	require.NoError(c.T, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(as, req)
}
