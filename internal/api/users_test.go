package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/user"
)

// addUser stores a user with an API token tokenOf(username), as an admin would.
func (f *fixture) addUser(t *testing.T, u user.User) {
	t.Helper()
	ctx := context.Background()
	u.Source = user.SourceAdmin
	require.NoError(t, f.store.CreateUser(ctx, u, fixedNow))
	require.NoError(t, f.store.CreateToken(ctx, u.Username, "t-"+u.Username, "test", user.HashToken(tokenOf(u.Username)), fixedNow))
}

// doToken sends one request with a bearer token.
func (f *fixture) doToken(t *testing.T, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func requireCode(t *testing.T, rec *httptest.ResponseRecorder, status int, code string, msgAndArgs ...any) map[string]any {
	t.Helper()
	require.Equal(t, status, rec.Code, "body: %s", rec.Body.String())
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	if code != "" {
		require.Equal(t, code, body["error"].(map[string]any)["code"], msgAndArgs...)
	}
	return body
}

func TestAnAdminManagesUsersAndTheirTokens(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, user.User{Username: "admin", Name: "管理员", Roles: []domain.Role{domain.RoleAdmin}})

	requireCode(t, f.do(t, "GET", "/api/v1/users", "office", ""), http.StatusForbidden, "forbidden", "only an admin lists users")
	requireCode(t, f.do(t, "POST", "/api/v1/users", "office", `{"username":"x","roles":["office"]}`), http.StatusForbidden, "forbidden")

	// Bad input names the field.
	for body, code := range map[string]string{
		`{"roles":["official"]}`:                                          "invalid_user_username",
		`{"username":"有空格 的","roles":["official"]}`:                       "invalid_user_username",
		`{"username":"wang","roles":[]}`:                                  "invalid_user_roles",
		`{"username":"wang","roles":["boss"]}`:                            "invalid_user_roles",
		`{"username":"wang","roles":["official"],"password":"short"}`:     "invalid_user_password",
		`{"username":"wang","roles":["official"],"campaigns":[""]}`:       "invalid_user_campaigns",
		`{"username":"wang","roles":["official"],"password_hash":"$2a$"}`: "unknown_field",
	} {
		rec := f.do(t, "POST", "/api/v1/users", "admin", body)
		status := http.StatusUnprocessableEntity
		if code == "unknown_field" {
			status = http.StatusBadRequest
		}
		answer := requireCode(t, rec, status, code, body)
		if strings.HasPrefix(code, "invalid_user_") {
			require.Contains(t, answer["error"].(map[string]any)["message"], strings.TrimPrefix(code, "invalid_user_"), "the message names the field")
		}
	}

	rec := f.do(t, "POST", "/api/v1/users", "admin",
		`{"username":"wang","name":"王科员","roles":["official"],"department":"住建局","password":"first-password-1"}`)
	created := requireCode(t, rec, http.StatusCreated, "")
	require.Equal(t, true, created["user"].(map[string]any)["must_change_password"])
	require.NotContains(t, created, "password", "a password given is not answered")
	requireCode(t, f.do(t, "POST", "/api/v1/users", "admin", `{"username":"wang","roles":["official"]}`), http.StatusConflict, "user_exists")

	// Without a password, one is made and answered once.
	made := requireCode(t, f.do(t, "POST", "/api/v1/users", "admin", `{"username":"li","roles":["verifier"]}`), http.StatusCreated, "")
	first := made["password"].(string)
	require.GreaterOrEqual(t, len(first), user.MinPasswordRunes)
	_, err := f.svc.CheckPassword(context.Background(), "li", first)
	require.NoError(t, err)

	// A token is answered once; it works at once and stops once revoked.
	issued := requireCode(t, f.do(t, "POST", "/api/v1/users/wang/tokens", "admin", `{"name":"脚本"}`), http.StatusCreated, "")
	id, token := issued["id"].(string), issued["token"].(string)
	require.NotEmpty(t, id)
	me := requireCode(t, f.doToken(t, "GET", "/api/v1/me", token, ""), http.StatusOK, "")
	require.Equal(t, "wang", me["username"])
	require.Equal(t, http.StatusOK, f.doToken(t, "GET", "/api/v1/opinions", token, "").Code)
	detail := requireCode(t, f.do(t, "GET", "/api/v1/users/wang", "admin", ""), http.StatusOK, "")
	tokens := detail["tokens"].([]any)
	require.Len(t, tokens, 1)
	require.Equal(t, "脚本", tokens[0].(map[string]any)["name"])
	require.NotEmpty(t, tokens[0].(map[string]any)["last_used"], "the token's last use is kept")
	require.NotContains(t, rec.Body.String()+f.do(t, "GET", "/api/v1/users/wang", "admin", "").Body.String(), token)
	requireCode(t, f.do(t, "DELETE", "/api/v1/users/wang/tokens/"+id, "admin", ""), http.StatusOK, "")
	requireCode(t, f.doToken(t, "GET", "/api/v1/me", token, ""), http.StatusUnauthorized, "invalid_token")
	requireCode(t, f.do(t, "DELETE", "/api/v1/users/wang/tokens/nope", "admin", ""), http.StatusNotFound, "token_not_found")
	requireCode(t, f.do(t, "GET", "/api/v1/users/nobody", "admin", ""), http.StatusNotFound, "user_not_found")

	// Edit: name, department, roles; deactivation stops the tokens at once.
	patched := requireCode(t, f.do(t, "PATCH", "/api/v1/users/wang", "admin", `{"name":"王副科长","roles":["official","verifier"]}`), http.StatusOK, "")
	require.Equal(t, "王副科长", patched["name"])
	require.Equal(t, "住建局", patched["department"], "a field left out stays")
	second := requireCode(t, f.do(t, "POST", "/api/v1/users/wang/tokens", "admin", `{"name":"第二个"}`), http.StatusCreated, "")["token"].(string)
	require.Equal(t, http.StatusOK, f.doToken(t, "GET", "/api/v1/me", second, "").Code)
	requireCode(t, f.do(t, "PATCH", "/api/v1/users/wang", "admin", `{"active":false}`), http.StatusOK, "")
	requireCode(t, f.doToken(t, "GET", "/api/v1/me", second, ""), http.StatusUnauthorized, "invalid_token")
	_, err = f.svc.CheckPassword(context.Background(), "wang", "first-password-1")
	require.Error(t, err, "an inactive user's password signs nobody in")
	requireCode(t, f.do(t, "PATCH", "/api/v1/users/wang", "admin", `{"active":true}`), http.StatusOK, "")
	require.Equal(t, http.StatusOK, f.doToken(t, "GET", "/api/v1/me", second, "").Code)

	// An admin keeps themselves.
	requireCode(t, f.do(t, "PATCH", "/api/v1/users/admin", "admin", `{"active":false}`), http.StatusConflict, "own_admin")
	requireCode(t, f.do(t, "PATCH", "/api/v1/users/admin", "admin", `{"roles":["office"]}`), http.StatusConflict, "own_admin")

	// A reset makes the user change it; a password of their own clears that.
	reset := requireCode(t, f.do(t, "POST", "/api/v1/users/wang/password", "admin", `{}`), http.StatusOK, "")
	temp := reset["password"].(string)
	requireCode(t, f.doToken(t, "POST", "/api/v1/me/password", second, `{"current_password":"wrong-one-here","new_password":"a-new-password-2"}`),
		http.StatusUnprocessableEntity, "invalid_current_password")
	requireCode(t, f.doToken(t, "POST", "/api/v1/me/password", second, `{"current_password":"`+temp+`","new_password":"short"}`),
		http.StatusUnprocessableEntity, "invalid_new_password")
	requireCode(t, f.doToken(t, "POST", "/api/v1/me/password", second, `{"current_password":"`+temp+`","new_password":"a-new-password-2"}`), http.StatusOK, "")
	u, err := f.svc.CheckPassword(context.Background(), "wang", "a-new-password-2")
	require.NoError(t, err)
	require.False(t, u.MustChangePassword)

	// Every change is in the access log, and no password or token is.
	page := requireCode(t, f.do(t, "GET", "/api/v1/audit?limit=100", "admin", ""), http.StatusOK, "")
	var actions []string
	for _, e := range page["entries"].([]any) {
		entry := e.(map[string]any)
		actions = append(actions, entry["action"].(string))
		text, _ := json.Marshal(entry)
		for _, secret := range []string{"first-password-1", first, temp, "a-new-password-2", token, second} {
			require.NotContains(t, string(text), secret)
		}
	}
	for _, a := range []string{store.AuditUserCreate, store.AuditUserTokenIssue, store.AuditUserTokenRevoke, store.AuditUserUpdate,
		store.AuditUserDeactivate, store.AuditUserReactivate, store.AuditUserPasswordReset, store.AuditUserPasswordChange} {
		require.Contains(t, actions, a)
	}
}

func TestAScopedOfficeWorksOnItsCampaignAlone(t *testing.T) {
	f := newFixture(t)
	f.createCampaign(t, "c2", deptA)
	f.project(t, newOpinion("o1"))
	f.project(t, newOpinion("o2", func(o *domain.Opinion) { o.CampaignID = "c2"; o.Key = "o2" }))
	f.addUser(t, user.User{Username: "clerk", Roles: []domain.Role{domain.RoleOffice}, Campaigns: []string{campaignID}})

	ids := func(who string) []string {
		var out []string
		body := requireCode(t, f.do(t, "GET", "/api/v1/opinions", who, ""), http.StatusOK, "")
		for _, o := range body["opinions"].([]any) {
			out = append(out, o.(map[string]any)["id"].(string))
		}
		return out
	}
	require.ElementsMatch(t, []string{"o1", "o2"}, ids("office"), "an unscoped office sees every campaign")
	require.Equal(t, []string{"o1"}, ids("clerk"))
	require.Equal(t, http.StatusOK, f.do(t, "GET", "/api/v1/opinions/o1", "clerk", "").Code)
	requireCode(t, f.do(t, "GET", "/api/v1/opinions/o2", "clerk", ""), http.StatusForbidden, "forbidden")
	requireCode(t, f.do(t, "POST", "/api/v1/opinions/o2/actions/reject", "clerk", `{"reason":"重复"}`), http.StatusForbidden, "forbidden")
	requireCode(t, f.do(t, "GET", "/api/v1/campaigns/c2/stats", "clerk", ""), http.StatusForbidden, "out_of_scope")
	requireCode(t, f.do(t, "POST", "/api/v1/campaigns/c2/opinions", "clerk", `{"content":"路灯不亮","channel":"hotline"}`), http.StatusForbidden, "out_of_scope")
	require.Equal(t, http.StatusOK, f.do(t, "GET", "/api/v1/campaigns/"+campaignID+"/stats", "clerk", "").Code)

	// A leader scoped to a department sees that department's items alone.
	f.project(t, newOpinion("o3", func(o *domain.Opinion) { o.Key = "o3"; o.Department = deptA }))
	f.project(t, newOpinion("o4", func(o *domain.Opinion) { o.Key = "o4"; o.Department = deptB }))
	f.addUser(t, user.User{Username: "deptleader", Roles: []domain.Role{domain.RoleLeader}, Departments: []string{deptA}})
	require.Equal(t, []string{"o3"}, ids("deptleader"))
	requireCode(t, f.do(t, "GET", "/api/v1/opinions/o4", "deptleader", ""), http.StatusForbidden, "forbidden")
}
