package config

import (
	"fmt"
	"net/url"
	"strings"

	"rectify/internal/oidc"
)

// oidcVars are the variables of sign-in through the organisation (docs/oidc.md).
var oidcVars = []Var{
	{"RECTIFY_OIDC_ISSUER", "", "OpenID Connect issuer URL: sign-in through the organisation [off]"},
	{"RECTIFY_OIDC_CLIENT_ID", "", "client id registered with the identity service"},
	{"RECTIFY_OIDC_CLIENT_SECRET", "", "client secret [none: a public client, PKCE only]"},
	{"RECTIFY_OIDC_REDIRECT_URL", "", "rectify's callback as browsers reach it: https://host/login/oidc/callback"},
	{"RECTIFY_OIDC_SCOPES", "openid profile email", "scopes asked for, space-separated"},
	{"RECTIFY_OIDC_USERNAME_CLAIM", "preferred_username", "claim that is the rectify username"},
	{"RECTIFY_OIDC_NAME_CLAIM", "", "claim written to the user's name at each sign-in [none]"},
	{"RECTIFY_OIDC_DEPARTMENT_CLAIM", "", "claim written to the user's department at each sign-in [none]"},
	{"RECTIFY_OIDC_ROLES_CLAIM", "", "claim whose values give the user's roles at each sign-in [none: roles are set in rectify]"},
	{"RECTIFY_OIDC_ROLE_MAP", "", "group=role pairs, comma-separated, mapping the roles claim's values [values that are role names]"},
	{"RECTIFY_OIDC_CREATE_USERS", "off", "on: create a user unknown to rectify at their first sign-in; off: refuse them"},
	{"RECTIFY_OIDC_LABEL", "", "name of the identity service on the sign-in button [the organisation]"},
}

// readOIDC reads the RECTIFY_OIDC_* variables into c.OIDC.
func (c *Config) readOIDC(get func(key, def string) string) []error {
	o := oidc.Config{
		Issuer: get("RECTIFY_OIDC_ISSUER", ""), ClientID: get("RECTIFY_OIDC_CLIENT_ID", ""),
		ClientSecret: get("RECTIFY_OIDC_CLIENT_SECRET", ""), RedirectURL: get("RECTIFY_OIDC_REDIRECT_URL", ""),
		Scopes:        strings.Fields(get("RECTIFY_OIDC_SCOPES", "openid profile email")),
		UsernameClaim: get("RECTIFY_OIDC_USERNAME_CLAIM", "preferred_username"),
		NameClaim:     get("RECTIFY_OIDC_NAME_CLAIM", ""), DepartmentClaim: get("RECTIFY_OIDC_DEPARTMENT_CLAIM", ""),
		RolesClaim: get("RECTIFY_OIDC_ROLES_CLAIM", ""), Label: get("RECTIFY_OIDC_LABEL", ""),
	}
	var errs []error
	for _, pair := range strings.Split(get("RECTIFY_OIDC_ROLE_MAP", ""), ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		group, role, ok := strings.Cut(pair, "=")
		switch role = strings.TrimSpace(role); {
		case !ok || strings.TrimSpace(group) == "":
			errs = append(errs, fmt.Errorf("RECTIFY_OIDC_ROLE_MAP: %q is not group=role", pair))
		case role != "office" && role != "official" && role != "verifier" && role != "leader" && role != "admin":
			errs = append(errs, fmt.Errorf("RECTIFY_OIDC_ROLE_MAP: %q: %q is not one of office, official, verifier, leader, admin", pair, role))
		default:
			if o.RoleMap == nil {
				o.RoleMap = map[string]string{}
			}
			o.RoleMap[strings.TrimSpace(group)] = role
		}
	}
	switch v := strings.ToLower(get("RECTIFY_OIDC_CREATE_USERS", "off")); v {
	case "off":
	case "on":
		o.CreateUsers = true
	default:
		errs = append(errs, fmt.Errorf("RECTIFY_OIDC_CREATE_USERS=%q: use on or off", v))
	}
	if o.Issuer == "" {
		c.OIDC = o
		return errs
	}
	for _, u := range []struct{ name, value string }{{"RECTIFY_OIDC_ISSUER", o.Issuer}, {"RECTIFY_OIDC_REDIRECT_URL", o.RedirectURL}} {
		if p, err := url.Parse(u.value); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s must be an http(s) URL (with RECTIFY_OIDC_ISSUER set)", u.name))
		}
	}
	if o.ClientID == "" {
		errs = append(errs, fmt.Errorf("RECTIFY_OIDC_CLIENT_ID is required with RECTIFY_OIDC_ISSUER"))
	}
	if o.CreateUsers && o.RolesClaim == "" {
		errs = append(errs, fmt.Errorf("RECTIFY_OIDC_CREATE_USERS=on needs RECTIFY_OIDC_ROLES_CLAIM: a user is created with the roles it gives"))
	}
	c.OIDC = o
	return errs
}
