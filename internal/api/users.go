package api

import (
	"net/http"

	"rectify/internal/service"
	"rectify/internal/user"
)

// userRoutes are the people who use rectify: an admin's (service.UserAdmin), and
// everyone's own password.
func (s *Server) userRoutes() []route {
	return []route{
		{pattern: "GET /api/v1/users", json: s.listUsers},
		{pattern: "POST /api/v1/users", json: s.createUser},
		{pattern: "GET /api/v1/users/{username}", json: s.getUser},
		{pattern: "PATCH /api/v1/users/{username}", json: s.patchUser},
		{pattern: "POST /api/v1/users/{username}/password", json: s.resetPassword},
		{pattern: "POST /api/v1/users/{username}/tokens", json: s.issueToken},
		{pattern: "DELETE /api/v1/users/{username}/tokens/{id}", json: s.revokeToken},
		{pattern: "GET /api/v1/me", json: s.me},
		{pattern: "POST /api/v1/me/password", json: s.changePassword},
	}
}

func (s *Server) listUsers(r *http.Request, u user.User) (int, any, error) {
	users, err := s.svc.ListUsers(r.Context(), u)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"users": users}, nil
}

// createUser answers the user and, when the body gave no password, the first
// password made for them: shown this once.
func (s *Server) createUser(r *http.Request, u user.User) (int, any, error) {
	if err := service.UserAdmin.Check(u); err != nil {
		return 0, nil, err
	}
	var req service.UserRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	created, err := s.svc.CreateUser(r.Context(), u, req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, created, nil
}

func (s *Server) getUser(r *http.Request, u user.User) (int, any, error) {
	v, err := s.svc.UserDetail(r.Context(), u, r.PathValue("username"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

func (s *Server) patchUser(r *http.Request, u user.User) (int, any, error) {
	if err := service.UserAdmin.Check(u); err != nil {
		return 0, nil, err
	}
	var p service.UserPatch
	if err := decode(r, &p); err != nil {
		return 0, nil, err
	}
	if _, err := s.svc.UpdateUser(r.Context(), u, r.PathValue("username"), p); err != nil {
		return 0, nil, err
	}
	return s.getUser(r, u)
}

// resetPassword sets a user's password ({"password": "..."}, or {} for one made
// and answered once); they change it at their next sign-in.
func (s *Server) resetPassword(r *http.Request, u user.User) (int, any, error) {
	if err := service.UserAdmin.Check(u); err != nil {
		return 0, nil, err
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	made, err := s.svc.ResetPassword(r.Context(), u, r.PathValue("username"), req.Password)
	if err != nil {
		return 0, nil, err
	}
	body := map[string]any{"username": r.PathValue("username"), "must_change_password": true}
	if made != "" {
		body["password"] = made
	}
	return http.StatusOK, body, nil
}

// issueToken answers {"id", "name", "token"}: the token is shown this once.
func (s *Server) issueToken(r *http.Request, u user.User) (int, any, error) {
	if err := service.UserAdmin.Check(u); err != nil {
		return 0, nil, err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	t, err := s.svc.IssueToken(r.Context(), u, r.PathValue("username"), req.Name)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, t, nil
}

func (s *Server) revokeToken(r *http.Request, u user.User) (int, any, error) {
	if err := s.svc.RevokeToken(r.Context(), u, r.PathValue("username"), r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"id": r.PathValue("id"), "revoked": true}, nil
}

// me is the caller as rectify knows them.
func (s *Server) me(r *http.Request, u user.User) (int, any, error) {
	return http.StatusOK, service.UserViewOf(u), nil
}

// changePassword changes the caller's own password: {"current_password", "new_password"}.
func (s *Server) changePassword(r *http.Request, u user.User) (int, any, error) {
	var req struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	if err := s.svc.ChangePassword(r.Context(), u, req.Current, req.New); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"username": u.Username, "changed": true}, nil
}
