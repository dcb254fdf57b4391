package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/user"
)

// The people who use rectify live in the reporting store (store/users.go): every
// request reads them there, so a change an admin makes — a role, a deactivation, a
// revoked token — holds at the next request on every node. The users file seeds
// them at start (SeedUsers).

// UserAdmin is who manages users: their roles, passwords and API tokens.
var UserAdmin = Rule{domain.RoleAdmin}

// people reads the users from the store, for the use cases that only name them.
type people struct{ store *store.Store }

// usable reports whether u may sign in or use a token: an active user, and one of
// the demo's only while demo mode is asked for.
func (s *Service) usable(u user.User) bool {
	return !u.Inactive && (u.Source != user.SourceDemo || s.demoUsers)
}

// HasUsers reports whether anyone but the demo's users can sign in.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx, user.SourceDemo)
	return n > 0, err
}

// userReadTimeout bounds a read of one user made without a request's context.
const userReadTimeout = 10 * time.Second

// Lookup is the user with that username, active or not.
func (p people) Lookup(username string) (user.User, bool) {
	if p.store == nil || username == "" {
		return user.User{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), userReadTimeout)
	defer cancel()
	u, err := p.store.User(ctx, username)
	return u, err == nil
}

// All is every active user, in the order they were first stored.
func (p people) All() []user.User {
	if p.store == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), userReadTimeout)
	defer cancel()
	all, err := p.store.Users(ctx)
	if err != nil {
		return nil
	}
	return slices.DeleteFunc(all, func(u user.User) bool { return u.Inactive })
}

// SeedUsers creates or updates in the store the users of the users file d. A
// user whose entry in the file has not changed since it was last seeded keeps what
// was changed in rectify; one whose entry changed takes the file's values (and
// password, when the entry has one). Users not in the file are left alone.
//
// The demo's users (demo true) are kept as such: they sign in only while a
// Service is made with DemoUsers.
func (s *Service) SeedUsers(ctx context.Context, d *user.Directory, demo bool) error {
	source := user.SourceFile
	if demo {
		source = user.SourceDemo
	}
	if d == nil {
		return nil
	}
	for _, u := range d.All() {
		entry, _ := json.Marshal(u)
		sum := sha256.Sum256(append(entry, source...))
		changed, err := s.store.SeedUser(ctx, u, source, hex.EncodeToString(sum[:]), s.Now())
		if err != nil {
			return fmt.Errorf("users file: %s: %w", u.Username, err)
		}
		if changed && s.logger != nil {
			s.logger.Info("user seeded from the users file", "username", u.Username)
		}
	}
	return nil
}

// UserRequest is what an admin gives a new user, or changes of one (UserPatch).
type UserRequest struct {
	Username    string        `json:"username"`
	Name        string        `json:"name"`
	Roles       []domain.Role `json:"roles"`
	Department  string        `json:"department"`
	Campaigns   []string      `json:"campaigns"`
	Departments []string      `json:"departments"`
	// Password is the first password; empty, one is made and answered once. The
	// user changes it at their first sign-in either way.
	Password string `json:"password"`
}

// UserPatch changes a user: a field left nil stays as it is.
type UserPatch struct {
	Name        *string        `json:"name"`
	Roles       *[]domain.Role `json:"roles"`
	Department  *string        `json:"department"`
	Campaigns   *[]string      `json:"campaigns"`
	Departments *[]string      `json:"departments"`
	// Active false deactivates the user (their sessions and tokens stop at once);
	// true activates them again.
	Active *bool `json:"active"`
}

// UserView is a user as the admin pages and the API show one: never a hash.
type UserView struct {
	Username           string        `json:"username"`
	Name               string        `json:"name"`
	Roles              []domain.Role `json:"roles"`
	Department         string        `json:"department,omitempty"`
	Campaigns          []string      `json:"campaigns"`
	Departments        []string      `json:"departments"`
	Active             bool          `json:"active"`
	MustChangePassword bool          `json:"must_change_password"`
	HasPassword        bool          `json:"has_password"`
	Source             string        `json:"source"`
	Tokens             []store.Token `json:"tokens,omitempty"`
}

func userView(u user.User) UserView {
	v := UserView{Username: u.Username, Name: u.Name, Roles: u.Roles, Department: u.Department,
		Campaigns: u.Campaigns, Departments: u.Departments, Active: !u.Inactive,
		MustChangePassword: u.MustChangePassword, HasPassword: u.PasswordHash != "", Source: u.Source}
	if v.Roles == nil {
		v.Roles = []domain.Role{}
	}
	if v.Campaigns == nil {
		v.Campaigns = []string{}
	}
	if v.Departments == nil {
		v.Departments = []string{}
	}
	return v
}

// Created is a new user and, when the admin gave none, the first password made
// for them: shown once.
type Created struct {
	User     UserView `json:"user"`
	Password string   `json:"password,omitempty"`
}

// IssuedToken is a new API token: the token itself is shown this once.
type IssuedToken struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

// invalidUser is the 422 for a field of a user that cannot be:
// invalid_user_<field> (invalid_<field> for the fields of a password change,
// which are the form's own).
func invalidUser(err error) error {
	var fe *user.FieldError
	if errors.As(err, &fe) {
		code := "invalid_user_" + fe.Field
		if strings.HasSuffix(fe.Field, "_password") {
			code = "invalid_" + fe.Field
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: code, Message: fe.Error(), Text: fe.Message()}
	}
	return err
}

// userAudit is an access log entry of a change to the user username that admin
// (or the user) made, with what changed.
func (s *Service) userAudit(ctx context.Context, by user.User, action, username, what string) store.AuditEntry {
	e := s.auditEntry(ctx, by, action, "user:"+username, 1)
	if what != "" {
		if e.Detail != "" {
			e.Detail += " "
		}
		e.Detail += "(" + what + ")"
	}
	return e
}

// CreateUser makes a new user, for admin (UserAdmin). They change their password
// at their first sign-in.
func (s *Service) CreateUser(ctx context.Context, admin user.User, req UserRequest) (Created, error) {
	if err := UserAdmin.Check(admin); err != nil {
		return Created{}, err
	}
	u := user.User{Username: strings.TrimSpace(req.Username), Name: strings.TrimSpace(req.Name), Roles: req.Roles,
		Department: strings.TrimSpace(req.Department), Campaigns: req.Campaigns, Departments: req.Departments,
		MustChangePassword: true, Source: user.SourceAdmin}
	if err := user.Check(u); err != nil {
		return Created{}, invalidUser(err)
	}
	password := req.Password
	made := ""
	if password == "" {
		password = user.NewPassword()
		made = password
	} else if err := user.CheckPassword("password", password); err != nil {
		return Created{}, invalidUser(err)
	}
	hash, err := user.HashPassword(password)
	if err != nil {
		return Created{}, err
	}
	u.PasswordHash = hash
	err = s.store.CreateUser(ctx, u, s.Now(), s.userAudit(ctx, admin, store.AuditUserCreate, u.Username, "roles "+roleList(u.Roles)))
	if errors.Is(err, user.ErrExists) {
		return Created{}, Refuse(http.StatusConflict, "user_exists", "api.user_exists", u.Username)
	}
	if err != nil {
		return Created{}, err
	}
	return Created{User: userView(u), Password: made}, nil
}

func roleList(roles []domain.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ",")
}

// ListUsers is every user, active or not, for admin.
func (s *Service) ListUsers(ctx context.Context, admin user.User) ([]UserView, error) {
	if err := UserAdmin.Check(admin); err != nil {
		return nil, err
	}
	all, err := s.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	views := make([]UserView, len(all))
	for i, u := range all {
		views[i] = userView(u)
	}
	return views, nil
}

// storedUser is the user username, or a 404 user_not_found.
func (s *Service) storedUser(ctx context.Context, username string) (user.User, error) {
	u, err := s.store.User(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return u, Refuse(http.StatusNotFound, "user_not_found", "api.user_not_found", username)
	}
	return u, err
}

// UserDetail is one user with their API tokens, for admin.
func (s *Service) UserDetail(ctx context.Context, admin user.User, username string) (UserView, error) {
	if err := UserAdmin.Check(admin); err != nil {
		return UserView{}, err
	}
	u, err := s.storedUser(ctx, username)
	if err != nil {
		return UserView{}, err
	}
	v := userView(u)
	if v.Tokens, err = s.store.Tokens(ctx, username); err != nil {
		return UserView{}, err
	}
	return v, nil
}

// UpdateUser changes a user's name, roles, department, scopes or whether they are
// active, for admin. An admin can neither deactivate themselves nor give up their
// own admin role: someone must be left to manage users.
func (s *Service) UpdateUser(ctx context.Context, admin user.User, username string, p UserPatch) (UserView, error) {
	if err := UserAdmin.Check(admin); err != nil {
		return UserView{}, err
	}
	u, err := s.storedUser(ctx, username)
	if err != nil {
		return UserView{}, err
	}
	var changed []string
	if p.Name != nil {
		u.Name, changed = strings.TrimSpace(*p.Name), append(changed, "name")
	}
	if p.Roles != nil {
		u.Roles, changed = *p.Roles, append(changed, "roles "+roleList(*p.Roles))
	}
	if p.Department != nil {
		u.Department, changed = strings.TrimSpace(*p.Department), append(changed, "department")
	}
	if p.Campaigns != nil {
		u.Campaigns, changed = *p.Campaigns, append(changed, "campaigns")
	}
	if p.Departments != nil {
		u.Departments, changed = *p.Departments, append(changed, "departments")
	}
	action := store.AuditUserUpdate
	if p.Active != nil && *p.Active == u.Inactive {
		u.Inactive = !*p.Active
		action = store.AuditUserReactivate
		if u.Inactive {
			action = store.AuditUserDeactivate
		}
	}
	if err := user.Check(u); err != nil {
		return UserView{}, invalidUser(err)
	}
	if u.Username == admin.Username && (u.Inactive || !u.Has(domain.RoleAdmin)) {
		return UserView{}, Refuse(http.StatusConflict, "own_admin", "api.own_admin")
	}
	if err := s.store.SaveUser(ctx, u, s.Now(), s.userAudit(ctx, admin, action, u.Username, strings.Join(changed, "; "))); err != nil {
		return UserView{}, err
	}
	return userView(u), nil
}

// ResetPassword gives a user a new password, for admin: the one given, or else one
// made and answered once. The user must change it at their next sign-in, and
// every session of theirs ends.
func (s *Service) ResetPassword(ctx context.Context, admin user.User, username, password string) (string, error) {
	if err := UserAdmin.Check(admin); err != nil {
		return "", err
	}
	u, err := s.storedUser(ctx, username)
	if err != nil {
		return "", err
	}
	made := ""
	if password == "" {
		password = user.NewPassword()
		made = password
	} else if err := user.CheckPassword("password", password); err != nil {
		return "", invalidUser(err)
	}
	if u.PasswordHash, err = user.HashPassword(password); err != nil {
		return "", err
	}
	u.MustChangePassword = true
	if err := s.store.SaveUser(ctx, u, s.Now(), s.userAudit(ctx, admin, store.AuditUserPasswordReset, u.Username, "")); err != nil {
		return "", err
	}
	if _, err := s.store.DeleteUserSessions(ctx, u.Username); err != nil {
		return "", err
	}
	return made, nil
}

// ChangePassword changes u's own password: the current one, then the new one
// (MinPasswordRunes at least, and not the current one). It clears a forced change.
func (s *Service) ChangePassword(ctx context.Context, u user.User, current, next string) error {
	stored, err := s.storedUser(ctx, u.Username)
	if err != nil {
		return err
	}
	if stored.PasswordHash == "" {
		return Refuse(http.StatusConflict, "no_password", "api.no_password")
	}
	if err := user.CheckHash(stored.PasswordHash, current); err != nil {
		return Refuse(http.StatusUnprocessableEntity, "invalid_current_password", "api.invalid_current_password")
	}
	if err := user.CheckPassword("new_password", next); err != nil {
		return invalidUser(err)
	}
	if next == current {
		return Refuse(http.StatusUnprocessableEntity, "invalid_new_password", "api.new_password_same")
	}
	if stored.PasswordHash, err = user.HashPassword(next); err != nil {
		return err
	}
	stored.MustChangePassword = false
	return s.store.SaveUser(ctx, stored, s.Now(), s.userAudit(ctx, u, store.AuditUserPasswordChange, u.Username, ""))
}

// maxTokenNameRunes bounds a token's name.
const maxTokenNameRunes = 100

// IssueToken makes a new API token for the user username, for admin: the token is
// answered this once and kept only as its hash.
func (s *Service) IssueToken(ctx context.Context, admin user.User, username, name string) (IssuedToken, error) {
	if err := UserAdmin.Check(admin); err != nil {
		return IssuedToken{}, err
	}
	if _, err := s.storedUser(ctx, username); err != nil {
		return IssuedToken{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return IssuedToken{}, Refuse(http.StatusUnprocessableEntity, "invalid_token_name", "api.token_name_required")
	}
	if utf8.RuneCountInString(name) > maxTokenNameRunes {
		return IssuedToken{}, Refuse(http.StatusUnprocessableEntity, "invalid_token_name", "api.token_name_long", maxTokenNameRunes)
	}
	token, id := user.NewToken()
	if err := s.store.CreateToken(ctx, username, id, name, user.HashToken(token), s.Now(),
		s.userAudit(ctx, admin, store.AuditUserTokenIssue, username, "token "+id)); err != nil {
		return IssuedToken{}, err
	}
	return IssuedToken{ID: id, Name: name, Token: token}, nil
}

// RevokeToken revokes the user's API token id, for admin: it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, admin user.User, username, id string) error {
	if err := UserAdmin.Check(admin); err != nil {
		return err
	}
	err := s.store.RevokeToken(ctx, username, id, s.Now(), s.userAudit(ctx, admin, store.AuditUserTokenRevoke, username, "token "+id))
	if errors.Is(err, store.ErrNotFound) {
		return Refuse(http.StatusNotFound, "token_not_found", "api.token_not_found", username, id)
	}
	return err
}

// CreateAdmin makes an admin with a first password (answered; they change it at
// their first sign-in), for the worker's create-admin command: the way in on an
// installation that has no admin yet. A username taken is an error.
func (s *Service) CreateAdmin(ctx context.Context, username, name string) (string, error) {
	u := user.User{Username: username, Name: name, Roles: []domain.Role{domain.RoleAdmin}, MustChangePassword: true, Source: user.SourceAdmin}
	if err := user.Check(u); err != nil {
		return "", err
	}
	password := user.NewPassword()
	hash, err := user.HashPassword(password)
	if err != nil {
		return "", err
	}
	u.PasswordHash = hash
	system := user.User{Username: "(create-admin)"}
	err = s.store.CreateUser(ctx, u, s.Now(), s.userAudit(ctx, system, store.AuditUserCreate, username, "roles admin"))
	if errors.Is(err, user.ErrExists) {
		return "", fmt.Errorf("user %q already exists", username)
	}
	return password, err
}

// scoped is the 403 for a campaign outside u's scope.
func scopedOut(u user.User, campaignID string) error {
	if u.CoversCampaign(campaignID) {
		return nil
	}
	return Refuse(http.StatusForbidden, "out_of_scope", "api.out_of_scope", campaignID)
}

// CheckIn is Check for work on one campaign: the role, and a scope that covers it.
func (r Rule) CheckIn(u user.User, campaignID string) error {
	if err := r.Check(u); err != nil {
		return err
	}
	return scopedOut(u, campaignID)
}

// UserViewOf is u as the API shows a user: for u themselves (GET /api/v1/me).
func UserViewOf(u user.User) UserView { return userView(u) }

// External is a person the organisation's identity service vouched for
// (internal/oidc maps its claims): the username, and what the claims configured
// say of their name, department and roles.
type External struct {
	Username               string
	Name, Department       string
	Roles                  []string
	HasName, HasDepartment bool
	HasRoles               bool
}

// SignInExternal is the user the identity service vouched for: a user rectify
// knows, active, whose name, department and roles are updated from the claims
// that are configured and present; or, when create is true, a new user made with
// them (they need a role). A user rectify does not know is otherwise refused (403
// not_provisioned), as is an inactive one (403 user_inactive) and a demo user.
// Every change is recorded in the access log, by "oidc".
func (s *Service) SignInExternal(ctx context.Context, e External, create bool) (user.User, error) {
	by := user.User{Username: "oidc"}
	roles := make([]domain.Role, len(e.Roles))
	for i, r := range e.Roles {
		roles[i] = domain.Role(r)
	}
	u, err := s.store.User(ctx, e.Username)
	if errors.Is(err, store.ErrNotFound) {
		if !create {
			return user.User{}, Refuse(http.StatusForbidden, "not_provisioned", "api.not_provisioned", e.Username)
		}
		u = user.User{Username: e.Username, Name: e.Name, Department: e.Department, Roles: roles, Source: user.SourceOIDC}
		if err := user.Check(u); err != nil {
			var fe *user.FieldError
			if errors.As(err, &fe) && fe.Field == "roles" {
				return user.User{}, Refuse(http.StatusForbidden, "no_roles", "api.no_roles", e.Username)
			}
			return user.User{}, invalidUser(err)
		}
		err = s.store.CreateUser(ctx, u, s.Now(), s.userAudit(ctx, by, store.AuditUserCreate, u.Username, "roles "+roleList(roles)))
		if errors.Is(err, user.ErrExists) { // made by a sign-in at the same moment
			return s.SignInExternal(ctx, e, false)
		}
		return u, err
	}
	if err != nil {
		return user.User{}, err
	}
	if !s.usable(u) || u.Source == user.SourceDemo {
		return user.User{}, Refuse(http.StatusForbidden, "user_inactive", "api.user_inactive", e.Username)
	}
	was := u
	var changed []string
	if e.HasName && e.Name != u.Name {
		u.Name, changed = e.Name, append(changed, "name")
	}
	if e.HasDepartment && e.Department != u.Department {
		u.Department, changed = e.Department, append(changed, "department")
	}
	if e.HasRoles && roleList(roles) != roleList(u.Roles) {
		u.Roles, changed = roles, append(changed, "roles "+roleList(roles))
	}
	if len(changed) == 0 {
		return u, nil
	}
	if err := user.Check(u); err != nil {
		return was, Refuse(http.StatusForbidden, "no_roles", "api.no_roles", e.Username)
	}
	err = s.store.SaveUser(ctx, u, s.Now(), s.userAudit(ctx, by, store.AuditUserUpdate, u.Username, strings.Join(changed, "; ")))
	return u, err
}
