package web

import (
	"net/http"
	"net/url"
	"strings"

	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/user"
)

// The people pages: an admin lists, creates and edits users, resets passwords,
// issues and revokes API tokens (service/users.go has the rules); everyone changes
// their own password. A password or token made here is shown once, on the page that
// answers the form, and is never kept but as its hash.

// passwordPage is where a user changes their own password, and where one who must
// change it is sent before anything else.
const passwordPage = "/account/password"

// userPages adds the people pages.
func (s *Server) userPages(page func(string, pageHandler)) {
	admin := func(h pageHandler) pageHandler { return s.only(service.UserAdmin, h) }
	page("GET /users", admin(s.usersPage))
	page("POST /users", admin(s.createUser))
	page("GET /users/{username}", admin(s.userPage))
	page("POST /users/{username}", admin(s.updateUser))
	page("POST /users/{username}/password", admin(s.resetPassword))
	page("POST /users/{username}/tokens", admin(s.issueToken))
	page("POST /users/{username}/tokens/{id}/revoke", admin(s.revokeToken))
	page("GET "+passwordPage, s.passwordPage)
	page("POST "+passwordPage, s.changePassword)
}

// mustChangePassword sends a visitor who must change their password to the page
// that does it: only it, the language switch and signing out answer them.
func mustChangePassword(w http.ResponseWriter, r *http.Request, v *visit) bool {
	if !v.User.MustChangePassword {
		return false
	}
	switch r.URL.Path {
	case passwordPage, "/logout", "/logout/everywhere", "/lang":
		return false
	}
	http.Redirect(w, r, passwordPage, http.StatusSeeOther)
	return true
}

// roleOptions are the roles a form offers.
func roleOptions(v *visit) []option {
	out := make([]option, len(user.AllRoles))
	for i, r := range user.AllRoles {
		out[i] = option{Value: string(r), Label: v.T("role." + string(r))}
	}
	return out
}

// list reads a comma-separated (or 、/，-separated) field as its non-empty items.
func list(value string) []string {
	out := []string{}
	for _, part := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == '\n' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func formRoles(r *http.Request) []domain.Role {
	roles := []domain.Role{}
	for _, v := range r.PostForm["roles"] {
		roles = append(roles, domain.Role(v))
	}
	return roles
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderUsers(w, r, v, http.StatusOK, nil, "")
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, v *visit, status int, form url.Values, errMsg string) {
	users, err := s.svc.ListUsers(r.Context(), v.User)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if form == nil {
		form = url.Values{}
	}
	s.render(w, r, status, "users", v, map[string]any{"Users": users, "Roles": roleOptions(v), "Form": form, "Error": errMsg})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, v *visit) {
	req := service.UserRequest{
		Username: r.PostFormValue("username"), Name: r.PostFormValue("name"), Roles: formRoles(r),
		Department: r.PostFormValue("department"), Campaigns: list(r.PostFormValue("campaigns")),
		Departments: list(r.PostFormValue("departments")), Password: r.PostFormValue("password"),
	}
	created, err := s.svc.CreateUser(r.Context(), v.User, req)
	if err != nil {
		if msg, ok := s.formError(v, err); ok {
			r.PostForm.Del("password")
			s.renderUsers(w, r, v, http.StatusUnprocessableEntity, r.PostForm, msg)
			return
		}
		s.fail(w, r, v, err)
		return
	}
	s.renderUser(w, r, v, created.User.Username, map[string]any{"Created": true, "Password": created.Password})
}

// formError is a refusal a form shows beside itself (a field that cannot be, a
// username taken), in the visitor's language; false for any other error.
func (s *Server) formError(v *visit, err error) (string, bool) {
	e, ok := err.(*service.Error)
	if !ok || (e.Status != http.StatusUnprocessableEntity && e.Status != http.StatusConflict) {
		return "", false
	}
	return errorText(v, e), true
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderUser(w, r, v, r.PathValue("username"), nil)
}

// renderUser shows one user, with extra: what the last form made (a password or a
// token, shown this once) or refused.
func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, v *visit, username string, extra map[string]any) {
	u, err := s.svc.UserDetail(r.Context(), v.User, username)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := map[string]any{"User": u, "Roles": roleOptions(v), "Campaigns": strings.Join(u.Campaigns, ", "),
		"Departments": strings.Join(u.Departments, ", ")}
	status := http.StatusOK
	for k, val := range extra {
		data[k] = val
		if k == "Error" {
			status = http.StatusUnprocessableEntity
		}
	}
	s.render(w, r, status, "user", v, data)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, v *visit) {
	name, department := r.PostFormValue("name"), r.PostFormValue("department")
	roles := formRoles(r)
	campaigns, departments := list(r.PostFormValue("campaigns")), list(r.PostFormValue("departments"))
	active := r.PostFormValue("active") == "on"
	p := service.UserPatch{Name: &name, Department: &department, Roles: &roles, Campaigns: &campaigns,
		Departments: &departments, Active: &active}
	username := r.PathValue("username")
	_, err := s.svc.UpdateUser(r.Context(), v.User, username, p)
	s.userFormDone(w, r, v, username, err, map[string]any{"Saved": true})
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, v *visit) {
	username := r.PathValue("username")
	made, err := s.svc.ResetPassword(r.Context(), v.User, username, r.PostFormValue("password"))
	s.userFormDone(w, r, v, username, err, map[string]any{"Reset": true, "Password": made})
}

func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, v *visit) {
	username := r.PathValue("username")
	t, err := s.svc.IssueToken(r.Context(), v.User, username, r.PostFormValue("name"))
	s.userFormDone(w, r, v, username, err, map[string]any{"Token": t})
}

// userFormDone shows a user's page after an admin's form: with done when it was
// taken, with the refusal beside the forms when it was about what was sent.
func (s *Server) userFormDone(w http.ResponseWriter, r *http.Request, v *visit, username string, err error, done map[string]any) {
	if err != nil {
		msg, ok := s.formError(v, err)
		if !ok {
			s.fail(w, r, v, err)
			return
		}
		done = map[string]any{"Error": msg}
	}
	s.renderUser(w, r, v, username, done)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, v *visit) {
	username := r.PathValue("username")
	if err := s.svc.RevokeToken(r.Context(), v.User, username, r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/users/"+url.PathEscape(username)+"?revoked="+url.QueryEscape(r.PathValue("id")), http.StatusSeeOther)
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.render(w, r, http.StatusOK, "password", v, map[string]any{"Min": user.MinPasswordRunes})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, v *visit) {
	current, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	data := map[string]any{"Min": user.MinPasswordRunes}
	if next != r.PostFormValue("confirm_password") {
		data["Error"] = v.T("account.mismatch")
		s.render(w, r, http.StatusUnprocessableEntity, "password", v, data)
		return
	}
	if err := s.svc.ChangePassword(r.Context(), v.User, current, next); err != nil {
		if msg, ok := s.formError(v, err); ok {
			data["Error"] = msg
			s.render(w, r, http.StatusUnprocessableEntity, "password", v, data)
			return
		}
		s.fail(w, r, v, err)
		return
	}
	v.User.MustChangePassword = false
	data["Changed"] = true
	s.render(w, r, http.StatusOK, "password", v, data)
}
