package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/internal/user"
)

// orgUser is a person of the organisation's identity service, with the claims
// rectify maps: a username, a name, a department and groups.
type orgUser struct {
	sub, username, name, department string
	groups                          []string
}

func (u orgUser) ID() string { return u.sub }

func (u orgUser) claims() map[string]any {
	return map[string]any{"sub": u.sub, "preferred_username": u.username, "name": u.name, "dept": u.department, "groups": u.groups}
}

func (u orgUser) Userinfo([]string) ([]byte, error) { return json.Marshal(u.claims()) }

// Claims are the ID token's: the provider's registered claims and nonce, and the person's.
func (u orgUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return orgClaims{IDTokenClaims: base, Username: u.username, Name: u.name, Dept: u.department, Groups: u.groups}, nil
}

type orgClaims struct {
	*mockoidc.IDTokenClaims
	Username string   `json:"preferred_username"`
	Name     string   `json:"name"`
	Dept     string   `json:"dept"`
	Groups   []string `json:"groups"`
}

// startWithOIDC starts rectify with sign-in through a real OpenID Connect provider
// running in the test, on loopback.
func startWithOIDC(t *testing.T, create bool) (*harness, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown() })
	addr := apitest.FreeAddr(t)
	createUsers := "off"
	if create {
		createUsers = "on"
	}
	dir := t.TempDir()
	cfg := testConfig(t, dir, map[string]string{
		"RECTIFY_USERS":                 apitest.WriteUsers(t, dir, user.User{Username: "admin", Roles: []domain.Role{domain.RoleAdmin}}),
		"RECTIFY_HTTP_ADDR":             addr,
		"RECTIFY_OIDC_ISSUER":           m.Issuer(),
		"RECTIFY_OIDC_CLIENT_ID":        m.ClientID,
		"RECTIFY_OIDC_CLIENT_SECRET":    m.ClientSecret,
		"RECTIFY_OIDC_REDIRECT_URL":     "http://" + addr + "/login/oidc/callback",
		"RECTIFY_OIDC_NAME_CLAIM":       "name",
		"RECTIFY_OIDC_DEPARTMENT_CLAIM": "dept",
		"RECTIFY_OIDC_ROLES_CLAIM":      "groups",
		"RECTIFY_OIDC_ROLE_MAP":         "rectify-officials=official,rectify-office=office",
		"RECTIFY_OIDC_CREATE_USERS":     createUsers,
		"RECTIFY_OIDC_LABEL":            "测试单位统一身份认证",
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(a.Stop)
	return &harness{Client: apitest.Client{T: t, Base: "http://" + a.HTTPAddr}, t: t, app: a}, m
}

// signInThroughOrg presses the sign-in page's button as u: to the provider and back.
func signInThroughOrg(t *testing.T, h *harness, m *mockoidc.MockOIDC, u orgUser) (*webVisitor, string, int, string) {
	t.Helper()
	m.QueueUser(u)
	v := newWebVisitor(t, h.Base)
	_, _, page := v.get("/login")
	require.Contains(t, page, "通过测试单位统一身份认证登录", "the sign-in page shows the button")
	path, status, body := v.post("/login", "/login/oidc", url.Values{"next": {"/tasks"}})
	return v, path, status, body
}

func TestSignInThroughTheOrganisation(t *testing.T) {
	h, m := startWithOIDC(t, true)

	// Someone rectify does not know is created with what the claims say.
	_, path, status, _ := signInThroughOrg(t, h, m, orgUser{sub: "s-1", username: "chen", name: "城管科 陈科员", department: "城管科",
		groups: []string{"staff", "rectify-officials"}})
	require.Equal(t, []any{"/tasks", http.StatusOK}, []any{path, status}, "signed in, and sent where they were going")
	chen := h.Must("admin", "GET", "/api/v1/users/chen", nil, http.StatusOK)
	require.Equal(t, []any{"城管科 陈科员", "城管科", []any{"official"}, "oidc", false}, []any{chen["name"], chen["department"], chen["roles"], chen["source"], chen["has_password"]})

	// A user rectify knows signs in; the roles claim updates their roles.
	_, path, _, _ = signInThroughOrg(t, h, m, orgUser{sub: "s-2", username: "office", name: "办公室", groups: []string{"rectify-office", "rectify-officials"}})
	require.Equal(t, "/tasks", path)
	office := h.Must("admin", "GET", "/api/v1/users/office", nil, http.StatusOK)
	require.ElementsMatch(t, []any{"office", "official"}, office["roles"])

	// The organisation giving no role creates no one.
	_, _, status, body := signInThroughOrg(t, h, m, orgUser{sub: "s-3", username: "zhou", groups: []string{"staff"}})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "未授予您本系统的任何角色")
	h.Must("admin", "GET", "/api/v1/users/zhou", nil, http.StatusNotFound)

	// A deactivated user is refused, however the organisation vouches for them.
	h.Must("admin", "PATCH", "/api/v1/users/chen", map[string]any{"active": false}, http.StatusOK)
	_, _, status, _ = signInThroughOrg(t, h, m, orgUser{sub: "s-1", username: "chen", groups: []string{"rectify-officials"}})
	require.Equal(t, http.StatusForbidden, status)

	// A callback whose state is not this browser's signs no one in.
	v := newWebVisitor(t, h.Base)
	path, status, _ = v.get("/login/oidc/callback?state=forged&code=whatever")
	require.Equal(t, []any{"/login/oidc/callback", http.StatusUnauthorized}, []any{path, status})
	path, _, _ = v.get("/tasks")
	require.Equal(t, "/login", path)

	// Each creation and change is in the access log, by oidc.
	page := h.Must("admin", "GET", "/api/v1/audit?user=oidc", nil, http.StatusOK)
	var actions []string
	for _, e := range page["entries"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	require.Subset(t, actions, []string{"user_create", "user_update"})
}

func TestSignInThroughTheOrganisationRefusesUnknownPeopleByDefault(t *testing.T) {
	h, m := startWithOIDC(t, false)
	_, _, status, body := signInThroughOrg(t, h, m, orgUser{sub: "s-9", username: "stranger", groups: []string{"rectify-officials"}})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "您还不是本系统的用户")
	_, path, _, _ := signInThroughOrg(t, h, m, orgUser{sub: "s-10", username: "official", groups: []string{"rectify-officials"}})
	require.Equal(t, "/tasks", path, "a known user signs in")
}
