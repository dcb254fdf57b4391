package user

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"unicode/utf8"

	"rectify/internal/domain"
	"rectify/internal/web/i18n"
)

// Where a user came from (User.Source).
const (
	// SourceFile: the users file (RECTIFY_USERS, or the demo's), seeded at start.
	SourceFile = "file"
	// SourceAdmin: created by an admin in rectify, or by the worker's create-admin.
	SourceAdmin = "admin"
	// SourceOIDC: created at a first sign-in through the organisation (OpenID Connect).
	SourceOIDC = "oidc"
	// SourceDemo: the demo's users, who sign in only while demo mode is asked for.
	SourceDemo = "demo"
)

// MinPasswordRunes is the shortest password rectify accepts when one is set in it.
const MinPasswordRunes = 10

// maxPasswordBytes is bcrypt's limit: it reads no further.
const maxPasswordBytes = 72

// CoversCampaign reports whether the user's roles hold in the campaign: always,
// unless they are scoped to campaigns and this is not one of them.
func (u User) CoversCampaign(id string) bool {
	return len(u.Campaigns) == 0 || slices.Contains(u.Campaigns, id)
}

// CoversDepartment reports whether the user's roles hold for an item of the
// department: always, unless they are scoped to departments and this is not one of
// them (an item routed to no department is then outside their scope).
func (u User) CoversDepartment(department string) bool {
	return len(u.Departments) == 0 || slices.Contains(u.Departments, department)
}

// Scoped reports whether the user's roles are scoped at all.
func (u User) Scoped() bool { return len(u.Campaigns) > 0 || len(u.Departments) > 0 }

// FieldError is an input that cannot be a user's: the field, and the rule it
// breaks with its values, read in whichever language its reader has.
type FieldError struct {
	Field string
	Rule  i18n.Message
}

// Error is the error in English, as logs and Go callers read it.
func (e *FieldError) Error() string { return e.Message().In(i18n.English) }

// Message is the error naming its field, as an API answer and a page word it: by
// its name in English, by its label in Chinese.
func (e *FieldError) Message() i18n.Message {
	return i18n.M("rule.of_field", i18n.M("user.field."+e.Field), e.Rule)
}

func fieldError(field string, rule i18n.Message) error { return &FieldError{Field: field, Rule: rule} }

// Bounds on a user's fields: a name (the user's, a department's, a campaign's
// they are scoped to) in characters, a username in bytes.
const (
	maxNameRunes     = 200
	maxUsernameBytes = 64
)

// Check checks what an admin (or a seed) gives a user: a username of letters,
// digits and . _ - @, known roles, at least one, and names within bounds.
func Check(u User) error {
	if err := CheckUsername(u.Username); err != nil {
		return err
	}
	if utf8.RuneCountInString(u.Name) > maxNameRunes {
		return fieldError("name", i18n.M("rule.longer_than", maxNameRunes))
	}
	if utf8.RuneCountInString(u.Department) > maxNameRunes {
		return fieldError("department", i18n.M("rule.longer_than", maxNameRunes))
	}
	if len(u.Roles) == 0 {
		return fieldError("roles", i18n.M("user.rule.roles_required"))
	}
	for _, r := range u.Roles {
		if !slices.Contains(AllRoles, r) {
			return fieldError("roles", i18n.M("user.rule.role_unknown", string(r)))
		}
	}
	for _, list := range []struct {
		field  string
		values []string
	}{{"campaigns", u.Campaigns}, {"departments", u.Departments}} {
		for _, v := range list.values {
			if v == "" || utf8.RuneCountInString(v) > maxNameRunes {
				return fieldError(list.field, i18n.M("user.rule.names", maxNameRunes))
			}
		}
	}
	return nil
}

// AllRoles are the roles a user may hold, in the order forms offer them.
var AllRoles = []domain.Role{domain.RoleOffice, domain.RoleOfficial, domain.RoleVerifier, domain.RoleLeader, domain.RoleAdmin}

// CheckUsername checks a username: 1 to 64 letters, digits, '.', '_', '-' or '@'.
func CheckUsername(name string) error {
	if name == "" {
		return fieldError("username", i18n.M("user.rule.required"))
	}
	if len(name) > maxUsernameBytes {
		return fieldError("username", i18n.M("rule.longer_than", maxUsernameBytes))
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '@'
		if !ok {
			return fieldError("username", i18n.M("user.rule.username_chars"))
		}
	}
	return nil
}

// CheckPassword checks a new password: at least MinPasswordRunes characters, and
// at most what bcrypt reads.
func CheckPassword(field, password string) error {
	if utf8.RuneCountInString(password) < MinPasswordRunes {
		return fieldError(field, i18n.M("user.rule.password_short", MinPasswordRunes))
	}
	if len(password) > maxPasswordBytes {
		return fieldError(field, i18n.M("user.rule.password_long", maxPasswordBytes))
	}
	return nil
}

// CheckHash checks a password hash against the stored one. It spends a bcrypt
// comparison whatever happens, so usernames cannot be probed by timing.
func CheckHash(hash, password string) error {
	if hash == "" {
		_ = bcryptCompare(string(dummyHash), password)
		return ErrUnknown
	}
	if bcryptCompare(hash, password) != nil {
		return ErrUnknown
	}
	return nil
}

// NewToken is a new random API token (the secret shown once) and its id, which
// names it in lists and revocations and is not secret.
func NewToken() (token, id string) {
	return "rt_" + random(32), random(9)
}

// NewPassword is a random first password: 16 characters, for a user to change at
// their first sign-in.
func NewPassword() string { return random(12) }

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrExists is a username already taken.
var ErrExists = errors.New("user: username taken")
