// Package oidc signs people in through their organisation's identity service
// (OpenID Connect): the authorization code flow with PKCE, a state bound to the
// browser and a nonce bound to the ID token, and the mapping of the token's
// claims to a rectify user (which claim is the username, and optionally the name,
// department and roles). It knows nothing of sessions or users: internal/web runs
// the flow, internal/service decides who the identity is.
package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config is how rectify reaches the identity service (RECTIFY_OIDC_*).
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is rectify's callback as the browser reaches it:
	// https://rectify.example.org/login/oidc/callback.
	RedirectURL string
	// Scopes asked for; openid is always among them.
	Scopes []string
	// UsernameClaim is the claim that is the rectify username.
	UsernameClaim string
	// NameClaim, DepartmentClaim and RolesClaim, when set, are read at every sign-in
	// and written to the user.
	NameClaim, DepartmentClaim, RolesClaim string
	// RoleMap maps a value of the roles claim (a group) to a rectify role; without
	// it, a value that is a role's name is that role. Other values are ignored.
	RoleMap map[string]string
	// CreateUsers creates a user unknown to rectify at their first sign-in (they
	// need a role from the roles claim); otherwise they are refused.
	CreateUsers bool
	// Label names the identity service on the sign-in button.
	Label string
}

// Enabled reports whether sign-in through the organisation is configured.
func (c Config) Enabled() bool { return c.Issuer != "" }

// Identity is who the identity service vouched for, as the claims map them.
type Identity struct {
	Subject    string
	Username   string
	Name       string
	Department string
	// Roles are the rectify roles the roles claim gives; HasRoles says whether the
	// claim is configured and was present (then Roles is what the user holds, maybe
	// none).
	Roles    []string
	HasRoles bool
	// HasName and HasDepartment say whether those claims are configured and present.
	HasName, HasDepartment bool
}

// Provider runs the flow against one identity service. Its discovery document is
// read at the first sign-in (and again after a failure), so rectify starts while
// the identity service is down.
type Provider struct {
	cfg    Config
	client *http.Client

	mu       sync.Mutex
	provider *gooidc.Provider
}

// New makes a provider of cfg. client is the HTTP client that reaches the identity
// service (nil: http.DefaultClient with a timeout).
func New(cfg Config, client *http.Client) *Provider {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &Provider{cfg: cfg, client: client}
}

// Label names the identity service on the sign-in button.
func (p *Provider) Label() string { return p.cfg.Label }

func (p *Provider) discover(ctx context.Context) (*gooidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	prov, err := gooidc.NewProvider(gooidc.ClientContext(ctx, p.client), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovery at %s: %w", p.cfg.Issuer, err)
	}
	p.provider = prov
	return prov, nil
}

func (p *Provider) oauth(prov *gooidc.Provider) *oauth2.Config {
	scopes := []string{gooidc.ScopeOpenID}
	for _, s := range p.cfg.Scopes {
		if s != gooidc.ScopeOpenID {
			scopes = append(scopes, s)
		}
	}
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, RedirectURL: p.cfg.RedirectURL,
		Endpoint: prov.Endpoint(), Scopes: scopes}
}

// Flow is one sign-in under way: what the browser keeps (in a cookie) between
// leaving for the identity service and coming back.
type Flow struct {
	State, Nonce, Verifier string
}

// NewFlow is a fresh flow: random state, nonce and PKCE verifier.
func NewFlow() Flow {
	return Flow{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier()}
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// AuthURL is where the browser goes to sign in for f.
func (p *Provider) AuthURL(ctx context.Context, f Flow) (string, error) {
	prov, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	return p.oauth(prov).AuthCodeURL(f.State, gooidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), nil
}

// ErrRefused is an identity the service did not vouch for properly: a wrong
// state, an error from the service, a token that does not verify, a nonce that is
// not the flow's, or no username claim.
var ErrRefused = errors.New("oidc: sign-in refused")

// Exchange finishes the flow f with the callback's query (state and code, or an
// error): it redeems the code with the PKCE verifier, verifies the ID token
// (signature, issuer, audience, expiry) and its nonce, and maps its claims.
func (p *Provider) Exchange(ctx context.Context, f Flow, state, code, errCode string) (Identity, error) {
	if f.State == "" || state != f.State {
		return Identity{}, fmt.Errorf("%w: the state does not match this browser's sign-in", ErrRefused)
	}
	if errCode != "" {
		return Identity{}, fmt.Errorf("%w: the identity service answered %q", ErrRefused, errCode)
	}
	if code == "" {
		return Identity{}, fmt.Errorf("%w: no code", ErrRefused)
	}
	prov, err := p.discover(ctx)
	if err != nil {
		return Identity{}, err
	}
	ctx = gooidc.ClientContext(ctx, p.client)
	tok, err := p.oauth(prov).Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: redeeming the code: %v", ErrRefused, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Identity{}, fmt.Errorf("%w: no ID token", ErrRefused)
	}
	idt, err := prov.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if idt.Nonce != f.Nonce {
		return Identity{}, fmt.Errorf("%w: the ID token's nonce is not this sign-in's", ErrRefused)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	// Claims the ID token leaves out may be in the userinfo answer.
	if info, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		more := map[string]any{}
		if info.Claims(&more) == nil && (more["sub"] == nil || more["sub"] == idt.Subject) {
			for k, v := range more {
				if _, has := claims[k]; !has {
					claims[k] = v
				}
			}
		}
	}
	return p.identity(idt.Subject, claims)
}

// identity maps claims to an Identity.
func (p *Provider) identity(subject string, claims map[string]any) (Identity, error) {
	id := Identity{Subject: subject}
	id.Username = text(claims[p.cfg.UsernameClaim])
	if id.Username == "" {
		return id, fmt.Errorf("%w: the ID token has no %q claim (RECTIFY_OIDC_USERNAME_CLAIM)", ErrRefused, p.cfg.UsernameClaim)
	}
	if c := p.cfg.NameClaim; c != "" {
		if v, ok := claims[c]; ok {
			id.Name, id.HasName = text(v), true
		}
	}
	if c := p.cfg.DepartmentClaim; c != "" {
		if v, ok := claims[c]; ok {
			id.Department, id.HasDepartment = text(v), true
		}
	}
	if c := p.cfg.RolesClaim; c != "" {
		if v, ok := claims[c]; ok {
			id.HasRoles = true
			id.Roles = p.roles(values(v))
		}
	}
	return id, nil
}

// roles maps the roles claim's values to rectify roles, each once.
func (p *Provider) roles(vals []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range vals {
		role := v
		if p.cfg.RoleMap != nil {
			role = p.cfg.RoleMap[v]
		}
		switch role {
		case "office", "official", "verifier", "leader", "admin":
			if !seen[role] {
				seen[role] = true
				out = append(out, role)
			}
		}
	}
	return out
}

// text is a claim as text: a string as it is, a number or boolean printed.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case []any:
		if len(x) > 0 {
			return text(x[0])
		}
		return ""
	default:
		return strings.TrimSpace(fmt.Sprint(x))
	}
}

// values is a claim as a list: an array's strings, or a string split at commas
// and spaces.
func values(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s := text(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	case string:
		return strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' })
	}
	return nil
}
