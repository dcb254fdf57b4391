// Package user loads the people who may use rectify from the users file, and
// checks their passwords (bcrypt) and API tokens (SHA-256, since tokens are long
// random strings and must be checked on every request).
package user

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"rectify/internal/domain"
)

// User is one person and what they may do.
type User struct {
	Username     string        `json:"username"`
	Name         string        `json:"name"`
	Roles        []domain.Role `json:"roles"`
	Department   string        `json:"department,omitempty"`
	PasswordHash string        `json:"password_hash,omitempty"`
	// TokenHashes are hex SHA-256 digests of the user's API tokens.
	TokenHashes []string `json:"token_sha256,omitempty"`
	// Campaigns and Departments scope the user's roles (scope.go): empty, they
	// hold in every campaign and department.
	Campaigns   []string `json:"campaigns,omitempty"`
	Departments []string `json:"departments,omitempty"`

	// What the reporting store keeps beside (users administered in rectify).

	// Inactive users sign in with nothing: no password, session or token.
	Inactive bool `json:"-"`
	// MustChangePassword sends the user to change their password before anything else.
	MustChangePassword bool `json:"-"`
	// Source is where the user came from: SourceFile, SourceAdmin or SourceOIDC.
	Source string `json:"-"`
}

// Actor is the identity the workflows check actions against.
func (u User) Actor() domain.Actor {
	return domain.Actor{Username: u.Username, Roles: u.Roles, Department: u.Department}
}

// Has reports whether the user holds the role.
func (u User) Has(r domain.Role) bool { return u.Actor().Has(r) }

// File is the users file: {"users": [...]}.
type File struct {
	Users []User `json:"users"`
}

// Directory answers who a username or token belongs to.
type Directory struct {
	byName  map[string]*User
	byToken map[string]*User
	ordered []*User
}

// ErrUnknown is returned for an unknown user, a wrong password or an unknown token;
// callers must not tell them apart to a client.
var ErrUnknown = errors.New("unknown user or wrong credentials")

// Load reads and checks a users file. Errors name the user and the field.
func Load(path string) (*Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	var f File
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	d, err := New(f.Users)
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	return d, nil
}

// New builds a directory from users, checking each one.
func New(users []User) (*Directory, error) {
	d := &Directory{byName: map[string]*User{}, byToken: map[string]*User{}}
	for i := range users {
		u := &users[i]
		where := fmt.Sprintf("users[%d]", i)
		if u.Username == "" {
			return nil, fmt.Errorf("%s: username is required", where)
		}
		where = fmt.Sprintf("%s (%s)", where, u.Username)
		if _, dup := d.byName[u.Username]; dup {
			return nil, fmt.Errorf("%s: username appears twice", where)
		}
		if len(u.Roles) == 0 {
			return nil, fmt.Errorf("%s: roles is empty", where)
		}
		for _, r := range u.Roles {
			switch r {
			case domain.RoleOffice, domain.RoleOfficial, domain.RoleVerifier, domain.RoleLeader, domain.RoleAdmin:
			default:
				return nil, fmt.Errorf("%s: role %q is not one of office, official, verifier, leader, admin", where, r)
			}
		}
		if u.PasswordHash != "" {
			if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
				return nil, fmt.Errorf("%s: password_hash is not a bcrypt hash", where)
			}
		}
		for _, h := range u.TokenHashes {
			if b, err := hex.DecodeString(h); err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("%s: token_sha256 %q is not a hex SHA-256 digest", where, h)
			}
			// HashToken writes lower case; a digest written in upper case is the same one.
			h = strings.ToLower(h)
			if _, dup := d.byToken[h]; dup {
				return nil, fmt.Errorf("%s: a token hash is shared with another user", where)
			}
			d.byToken[h] = u
		}
		d.byName[u.Username] = u
		d.ordered = append(d.ordered, u)
	}
	return d, nil
}

// Lookup returns the user with that username.
func (d *Directory) Lookup(username string) (User, bool) {
	u, ok := d.byName[username]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// All returns every user in file order.
func (d *Directory) All() []User {
	out := make([]User, len(d.ordered))
	for i, u := range d.ordered {
		out[i] = *u
	}
	return out
}

// ByToken returns the user an API token belongs to.
func (d *Directory) ByToken(token string) (User, error) {
	if token == "" {
		return User{}, ErrUnknown
	}
	// Looking up the digest leaks nothing about the token itself.
	u, ok := d.byToken[HashToken(token)]
	if !ok {
		return User{}, ErrUnknown
	}
	return *u, nil
}

// CheckPassword returns the user when the password is theirs.
func (d *Directory) CheckPassword(username, password string) (User, error) {
	u, ok := d.byName[username]
	if !ok || u.PasswordHash == "" {
		// Spend the same time as a real check so usernames cannot be probed.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, ErrUnknown
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return User{}, ErrUnknown
	}
	return *u, nil
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("timing"), bcrypt.DefaultCost)

// HashToken is how tokens are stored in the users file.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// HashPassword is how passwords are stored in the users file.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

func bcryptCompare(hash, password string) error {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
}
